/**
 * What a training run reports, as one JSON object per event: the CLI prints them (one line each with --json),
 * the extension renders them, tests assert on them. The trainer never prints; it hands events to an injected sink.
 * Numbers that are not finite (a NaN loss) become null in JSON, so messages carry the words.
 */

export type StopReason = 'completed' | 'interrupted';

export interface StartEvent {
  type: 'start';
  /** Optimizer steps already done (non-zero when resumed). */
  step: number;
  totalSteps: number;
  /** The checkpoint folder resumed from, or null for a fresh start. */
  resumedFrom: string | null;
  device: string;
  /** ONNX Runtime's CPU threads (on a GPU device: for the nodes it keeps on the CPU). */
  threads: number;
  /** Model source: scratch, gpt2 or the folder. */
  init: string;
  parameters: number;
  trainExamples: number;
  evalExamples: number;
  batchSize: number;
  gradAccumSteps: number;
  outputDir: string;
}

export interface StepEvent {
  type: 'step';
  /** Optimizer steps done, counting this one (1-based). */
  step: number;
  totalSteps: number;
  /** Epoch of the step's last micro-batch (0-based). */
  epoch: number;
  /** Mean loss over the step's supervised tokens. */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Real (non-pad) tokens in the step, and supervised ones. */
  tokens: number;
  supervisedTokens: number;
  tokensPerSec: number;
  stepMs: number;
  etaSec: number;
  rssMb: number;
  /** The latest evaluation loss, null before the first. */
  evalLoss: number | null;
}

export interface EvalEvent {
  type: 'eval';
  step: number;
  evalLoss: number;
  evalTokens: number;
  evalMs: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  path: string;
  /** sha256 of model.safetensors. */
  weightsSha256: string;
  /** LoRA runs only: sha256 of adapter_model.safetensors (model.safetensors is then the frozen base). */
  adaptersSha256?: string;
  /** Older checkpoint folders removed to keep `keepCheckpoints`. */
  removed: string[];
}

export interface DoneEvent {
  type: 'done';
  step: number;
  totalSteps: number;
  reason: StopReason;
  /** True when the run stopped early and `--resume` continues it. */
  resumable: boolean;
  /** The last complete checkpoint (holds the final weights). */
  checkpoint: string;
  weightsSha256: string;
  /** LoRA runs only: sha256 of the adapters (see CheckpointEvent). */
  adaptersSha256?: string;
  loss: number | null;
  evalLoss: number | null;
  elapsedSec: number;
}

export interface ErrorEvent {
  type: 'error';
  step: number;
  error: string;
  hint: string;
  kind: string;
  /** The newest complete checkpoint on disk, if any: training can resume from it. */
  lastCheckpoint: string | null;
}

/** From the process around the trainer: proof of life while a long step runs. */
export interface HeartbeatEvent {
  type: 'heartbeat';
  step: number;
  elapsedSec: number;
  rssMb: number;
}

/** Anything else worth showing once: rows skipped, a download in progress. */
export interface NoteEvent {
  type: 'note';
  message: string;
}

export type TrainEvent =
  | StartEvent
  | StepEvent
  | EvalEvent
  | CheckpointEvent
  | DoneEvent
  | ErrorEvent
  | HeartbeatEvent
  | NoteEvent;

export type TrainEventSink = (event: TrainEvent) => void;

/** A duration for people: 42s, 3m07s, 2h05m ('?' when unknown). */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const fixed = (x: number | null, digits = 4) => (x === null ? '-' : x.toFixed(digits));

/** One human line per event (null: nothing worth printing). */
export function describeTrainEvent(event: TrainEvent): string | null {
  switch (event.type) {
    case 'start':
      return (
        `${event.resumedFrom ? `Resuming from ${event.resumedFrom} at step ${event.step}` : 'Starting'}: ` +
        `${event.totalSteps} steps, ${(event.parameters / 1e6).toFixed(1)}M parameters (${event.init}) on ` +
        `${event.device} (${event.threads} CPU thread${event.threads === 1 ? '' : 's'}), ${event.trainExamples} training / ${event.evalExamples} eval examples, batch ` +
        `${event.batchSize} × ${event.gradAccumSteps}; checkpoints in ${event.outputDir}`
      );
    case 'step':
      return (
        `step ${event.step}/${event.totalSteps}  loss ${fixed(event.loss)}  lr ${event.lr.toExponential(2)}  ` +
        `${Math.round(event.tokensPerSec)} tok/s  ${Math.round(event.stepMs)} ms/step  eta ` +
        `${formatDuration(event.etaSec)}  rss ${event.rssMb} MB`
      );
    case 'eval':
      return `eval at step ${event.step}: loss ${fixed(event.evalLoss)} over ${event.evalTokens} tokens`;
    case 'checkpoint':
      return `checkpoint ${event.path}${event.removed.length > 0 ? ` (removed ${event.removed.length} older)` : ''}`;
    case 'done':
      return event.reason === 'completed'
        ? `Done: ${event.step} steps in ${formatDuration(event.elapsedSec)}, final loss ${fixed(event.loss)}` +
            `${event.evalLoss === null ? '' : `, eval loss ${fixed(event.evalLoss)}`}; weights in ${event.checkpoint}`
        : `Stopped at step ${event.step}/${event.totalSteps}; saved ${event.checkpoint}. Run the same command ` +
            'with --resume to continue.';
    case 'error':
      return null;
    case 'heartbeat':
      return null;
    case 'note':
      return event.message;
  }
}
