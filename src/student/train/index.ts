// Public surface of the trainer: run (or resume) a training config in-process, in a worker thread, or in a child
// process; checkpoints (LoRA ones merge with checkpointWeights); the masked loss of a checkpoint on a file; greedy
// decoding for sanity checks.

export {
  CHECKPOINT_PREFIX,
  type CheckpointInfo,
  checkpointDir,
  DONE_FILE,
  type LoadedCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  OPTIMIZER_FILE,
  pruneCheckpoints,
  readTrainerStateIfAny,
  STATE_FILE,
  sha256File,
  type TrainerState,
} from './checkpoint';
export { CUDA_HINT, checkDevice, executionProviders, openDeviceSession } from './device';
export {
  type CheckpointLoss,
  type CheckpointLossOptions,
  checkpointLoss,
  type LossTotals,
  maskedLoss,
} from './evaluate';
export * from './events';
export { GreedyDecoder, type GreedyResult } from './greedy';
export { checkpointWeights, initLoraAdapters, loraOf } from './lora';
export { initialModel, scratchConfig } from './modelInit';
export {
  type ForkedTraining,
  type ForkOptions,
  type ForkResult,
  forkTraining,
  type ThreadOptions,
  type ThreadRequest,
  trainInThread,
  workerScriptPath,
} from './process';
export {
  applyOverrides,
  configHash,
  resolveTrainConfig,
  type TrainOverrides,
  type TrainRequest,
} from './runConfig';
export { runTraining, type TrainOptions, type TrainOutcome } from './trainer';
