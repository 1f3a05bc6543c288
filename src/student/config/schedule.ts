/**
 * What the schedule and length settings of the training config mean, as functions, so the trainer, its progress
 * display and the tests agree on one definition: steps are optimizer steps (each one `gradAccumSteps`
 * micro-batches), counted from 0, and micro-batches stream across epoch boundaries.
 */
import type { TrainConfig } from './trainConfig';

/** Optimizer steps the run takes: `maxSteps` when set, else enough micro-batches for `epochs` passes. */
export function plannedSteps(
  config: Pick<TrainConfig, 'maxSteps' | 'epochs' | 'gradAccumSteps'>,
  batchesPerEpoch: number,
): number {
  if (config.maxSteps !== null) return config.maxSteps;
  return Math.max(1, Math.ceil((config.epochs * batchesPerEpoch) / config.gradAccumSteps));
}

/**
 * Learning rate of optimizer step `step` (0-based) out of `totalSteps`: linear warmup that reaches `lr` at the
 * last warmup step (so step 0 already learns, unlike a warmup starting at exactly 0), then a cosine from `lr`
 * down to `lr * minLrRatio`, reached on the last step.
 */
export function learningRateAt(
  step: number,
  totalSteps: number,
  lr: number,
  schedule: TrainConfig['schedule'],
): number {
  const { warmupSteps, minLrRatio } = schedule;
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  const span = Math.max(1, totalSteps - warmupSteps - 1);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return lr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
