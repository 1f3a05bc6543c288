/**
 * One training run as the editor sees it: the trainer's JSON event lines (src/student/train/events.ts) folded
 * into a summary (state, step, loss, ETA, memory, the last checkpoint), and the text the terminal, the status bar
 * and the notifications show for it. Pure: no `vscode`, no processes; trainingRuns.ts feeds it.
 */
import { describeTrainEvent, formatDuration, type TrainEvent } from '../../student/train/events';

/** starting: launched, no event yet; stopping: asked to stop (SIGTERM), finishing its step and checkpointing. */
export type RunState = 'starting' | 'running' | 'stopping' | 'completed' | 'stopped' | 'failed';

export interface RunSummary {
  state: RunState;
  /** Optimizer steps done. */
  step: number;
  totalSteps: number | null;
  loss: number | null;
  evalLoss: number | null;
  lr: number | null;
  tokensPerSec: number | null;
  etaSec: number | null;
  rssMb: number | null;
  device: string | null;
  /** The run's folder (its checkpoint-N folders), from the trainer's start event. */
  outputDir: string | null;
  resumedFrom: string | null;
  /** The newest checkpoint written (a finished one: the trainer reports it after its DONE marker). */
  lastCheckpoint: string | null;
  weightsSha256: string | null;
  error: { message: string; hint: string; kind: string } | null;
  /** The trainer's exit code (0 done, 130 stopped and resumable, 3 bad config or data), null while it runs. */
  exitCode: number | null;
}

/** The losses a checkpoint's state file kept (its last LOSS_HISTORY_TAIL steps, every evaluation). */
export interface RunHistory {
  steps: { step: number; loss: number; lr: number }[];
  evals: { step: number; evalLoss: number }[];
}

export const LIVE_STATES: readonly RunState[] = ['starting', 'running', 'stopping'];

export function isLive(summary: RunSummary): boolean {
  return LIVE_STATES.includes(summary.state);
}

export function initialSummary(): RunSummary {
  return {
    state: 'starting',
    step: 0,
    totalSteps: null,
    loss: null,
    evalLoss: null,
    lr: null,
    tokensPerSec: null,
    etaSec: null,
    rssMb: null,
    device: null,
    outputDir: null,
    resumedFrom: null,
    lastCheckpoint: null,
    weightsSha256: null,
    error: null,
    exitCode: null,
  };
}

/** One line of the trainer's stdout as an event, or null for anything else (text from a native library). */
export function parseTrainEventLine(line: string): TrainEvent | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as { type?: unknown };
    return typeof value.type === 'string' ? (value as TrainEvent) : null;
  } catch {
    return null;
  }
}

/** The summary after `event`. */
export function applyTrainEvent(summary: RunSummary, event: TrainEvent): RunSummary {
  const state: RunState = summary.state === 'starting' ? 'running' : summary.state;
  switch (event.type) {
    case 'start':
      return {
        ...summary,
        state,
        step: event.step,
        totalSteps: event.totalSteps,
        device: event.device,
        outputDir: event.outputDir,
        resumedFrom: event.resumedFrom,
      };
    case 'step':
      return {
        ...summary,
        state,
        step: event.step,
        totalSteps: event.totalSteps,
        loss: event.loss,
        lr: event.lr,
        tokensPerSec: event.tokensPerSec,
        etaSec: event.etaSec,
        rssMb: event.rssMb,
        evalLoss: event.evalLoss ?? summary.evalLoss,
      };
    case 'eval':
      return { ...summary, state, evalLoss: event.evalLoss };
    case 'checkpoint':
      return { ...summary, state, lastCheckpoint: event.path, weightsSha256: event.weightsSha256 };
    case 'heartbeat':
      return { ...summary, state, rssMb: event.rssMb };
    case 'done':
      return {
        ...summary,
        state: event.reason === 'completed' ? 'completed' : 'stopped',
        step: event.step,
        totalSteps: event.totalSteps,
        loss: event.loss ?? summary.loss,
        evalLoss: event.evalLoss ?? summary.evalLoss,
        etaSec: event.reason === 'completed' ? 0 : summary.etaSec,
        lastCheckpoint: event.checkpoint,
        weightsSha256: event.weightsSha256,
      };
    case 'error':
      return {
        ...summary,
        state: 'failed',
        error: { message: event.error, hint: event.hint, kind: event.kind },
        lastCheckpoint: event.lastCheckpoint ?? summary.lastCheckpoint,
      };
    case 'note':
      return { ...summary, state };
  }
}

/** The summary once the trainer's process has exited: its code decides when no final event said it. */
export function applyExit(summary: RunSummary, code: number | null, signal: string | null): RunSummary {
  let state = summary.state;
  if (code === 0) state = 'completed';
  else if (code === 130) state = 'stopped';
  else if (state !== 'failed') state = 'failed';
  const error =
    state === 'failed' && !summary.error
      ? {
          message: signal
            ? `The trainer was killed by ${signal}.`
            : `The trainer exited with code ${code ?? 'unknown'}.`,
          hint: 'Its output is in the terminal of the training task.',
          kind: 'internal',
        }
      : summary.error;
  return { ...summary, state, exitCode: code, error };
}

export function markStopping(summary: RunSummary): RunSummary {
  return isLive(summary) ? { ...summary, state: 'stopping' } : summary;
}

const fixed = (x: number | null, digits = 4): string => (x === null ? '–' : x.toFixed(digits));

/** The status bar item's text while a run is live (codicons included). */
export function statusBarText(summary: RunSummary): string {
  if (summary.state === 'starting') return '$(sync~spin) MiniAstroLM: starting training…';
  const of = summary.totalSteps === null ? `${summary.step}` : `${summary.step}/${summary.totalSteps}`;
  if (summary.state === 'stopping') return `$(debug-pause) MiniAstroLM: stopping at step ${of}…`;
  const parts = [`$(pulse) step ${of}`];
  if (summary.loss !== null) parts.push(`loss ${fixed(summary.loss)}`);
  if (summary.etaSec !== null && isLive(summary)) parts.push(`ETA ${formatDuration(summary.etaSec)}`);
  return parts.join(' · ');
}

/**
 * Lines for the training task's terminal (without line ends), or none for an event it does not show: errors are
 * not among them, the CLI prints them (message and hint) on stderr itself.
 */
export function terminalLines(event: TrainEvent): string[] {
  if (event.type === 'done' && event.reason === 'interrupted') {
    return [`Stopped at step ${event.step}/${event.totalSteps}; saved ${event.checkpoint}.`];
  }
  const text = describeTrainEvent(event);
  return text === null ? [] : [text];
}

/** What the terminal says after the trainer exited, and what the notification says. */
export function outcomeText(summary: RunSummary): string {
  switch (summary.state) {
    case 'completed':
      return `Training finished: ${summary.step} steps, final loss ${fixed(summary.loss)}${summary.lastCheckpoint ? `; weights in ${summary.lastCheckpoint}` : ''}.`;
    case 'stopped':
      return summary.lastCheckpoint
        ? `Training stopped at step ${summary.step}${summary.totalSteps === null ? '' : `/${summary.totalSteps}`}; the run is resumable from ${summary.lastCheckpoint}: run "MiniAstroLM: Resume training" to continue.`
        : 'Training stopped before its first checkpoint: nothing to resume, start it again.';
    case 'failed': {
      const resumable = summary.lastCheckpoint
        ? ` The run is resumable from ${summary.lastCheckpoint} once that is fixed.`
        : '';
      return `Training failed: ${summary.error?.message ?? 'unknown error'}${summary.error?.hint ? ` ${summary.error.hint}` : ''}${resumable}`;
    }
    default:
      return `Training is ${summary.state} (step ${summary.step}).`;
  }
}
