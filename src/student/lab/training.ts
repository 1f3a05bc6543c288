/**
 * One training run inside an experiment: the trainer in a worker thread (as `miniastrolm train` runs it), its
 * events written to events-<label>.jsonl and passed on to the caller's progress sink unchanged (the editor and
 * --json read the trainer's own event schema), and the loss curve kept for the report.
 */
import { MiniAstroError } from '../../core/errors';
import type { TrainConfig } from '../config/trainConfig';
import type { TrainEvent, TrainOutcome } from '../train';
import { trainInThread } from '../train';
import type { LossPoint } from './report/plots';
import type { RunFolder } from './runFolder';

export interface TrainedRun {
  label: string;
  outcome: TrainOutcome;
  /** The checkpoint holding the final weights. */
  checkpoint: string;
  losses: LossPoint[];
  /** Loss of the first and the last step. */
  firstLoss: number;
  finalLoss: number;
  seconds: number;
}

export interface TrainHooks {
  progress: (event: TrainEvent) => void;
  signal?: AbortSignal;
  /** ONNX Runtime threads (tests pin them). */
  intraOpThreads?: number;
}

export async function trainRun(
  config: TrainConfig,
  label: string,
  folder: RunFolder,
  hooks: TrainHooks,
): Promise<TrainedRun> {
  const losses: LossPoint[] = [];
  const started = performance.now();
  hooks.progress({
    type: 'note',
    message: `${label}: training ${config.maxSteps} steps → ${config.outputDir}`,
  });
  const outcome = await trainInThread(
    { config, resume: false, ...(hooks.intraOpThreads ? { intraOpThreads: hooks.intraOpThreads } : {}) },
    {
      onEvent: (event) => {
        if (event.type === 'step') losses.push({ run: label, step: event.step, loss: event.loss });
        if (event.type !== 'heartbeat') folder.appendJsonLine(`events-${label}.jsonl`, event);
        hooks.progress(event);
      },
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    },
  );
  if (outcome.reason === 'interrupted') {
    throw new MiniAstroError(
      'interrupted',
      `Stopped during ${label} at step ${outcome.step}/${outcome.totalSteps}.`,
      `The partial run is in ${folder.dir}; run the experiment again to start over.`,
    );
  }
  return {
    label,
    outcome,
    checkpoint: outcome.checkpoint,
    losses,
    firstLoss: losses[0]?.loss ?? Number.NaN,
    finalLoss: outcome.loss ?? Number.NaN,
    seconds: (performance.now() - started) / 1000,
  };
}
