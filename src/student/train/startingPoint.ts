/**
 * Where a run starts: the newest complete checkpoint when resuming (after checking that the config and the data are
 * the ones the run began with, so the continuation stays bit-identical), or fresh weights from the configured init.
 * A LoRA run starts from fresh adapters (lora.ts) on the init's weights, which stay frozen.
 */
import { MiniAstroError } from '../../core/errors';
import type { TrainConfig } from '../config/trainConfig';
import type { DataOrder } from '../data/order';
import type { Gpt2Config } from '../model/config';
import { type CheckpointInfo, type LossPoint, loadCheckpoint } from './checkpoint';
import type { TrainEventSink } from './events';
import { trainParamSpecs } from './graphs';
import { initLoraAdapters, loraOf, loraResumeMismatch, loraTrainSpecs, tensorMapOf } from './lora';
import { checkModelFits, initialModel } from './modelInit';
import { configDifferences, trajectoryConfig } from './runConfig';
import { type OptimizerState, stateFromWeights, type TensorMap, zeros } from './state';
import type { TrainOptions } from './trainer';

export interface StartingPoint {
  gpt2: Gpt2Config;
  /** The trained parameters (a LoRA run's adapters) and their moments. */
  state: OptimizerState;
  /** A LoRA run's frozen base weights; null for full fine-tuning. */
  frozen: TensorMap | null;
  step: number;
  dataOrder: DataOrder;
  tokensSeen: number;
  elapsedSec: number;
  lossHistory: LossPoint[];
  evalHistory: { step: number; evalLoss: number }[];
  /** Where the weights first came from (gpt2, scratch, a folder). */
  init: string;
  resumedFrom: CheckpointInfo | null;
  lastSaved: { step: number; dir: string; weightsSha256: string; adaptersSha256?: string } | null;
}

export async function startingPoint(
  config: TrainConfig,
  options: Pick<TrainOptions, 'resume' | 'hub'>,
  latest: CheckpointInfo | null,
  dataFingerprint: string,
  hash: string,
  sink: TrainEventSink,
): Promise<StartingPoint> {
  if (options.resume && latest) {
    const saved = loadCheckpoint(latest.dir);
    const t = saved.trainer;
    const mismatch = loraResumeMismatch(latest.dir, t, config);
    if (mismatch) throw mismatch;
    if (t.configHash !== hash) {
      const diff = configDifferences(t.trajectoryConfig, trajectoryConfig(config));
      throw new MiniAstroError(
        'usage',
        `Cannot resume ${latest.dir}: the training config differs from the saved run in ${diff.join(', ')}.`,
        'Resume with the config the run started with (run length, files, eval/checkpoint cadence and device ' +
          'may change), or start a new run in another --out folder; to start from these weights, set ' +
          `model.init: ${latest.dir}.`,
      );
    }
    if (t.dataFingerprint !== dataFingerprint) {
      throw new MiniAstroError(
        'badInput',
        `Cannot resume ${latest.dir}: the training data or its batching differs from the saved run.`,
        'Resume with the same training file, or start a new run in another --out folder.',
      );
    }
    checkModelFits(saved.config, config.data.maxSeqLen, latest.dir);
    return {
      gpt2: saved.config,
      state: saved.state,
      frozen: saved.base ? tensorMapOf(saved.base) : null,
      step: t.step,
      dataOrder: t.dataOrder,
      tokensSeen: t.tokensSeen,
      elapsedSec: t.elapsedSec,
      lossHistory: t.lossHistory,
      evalHistory: t.evalHistory,
      init: t.init,
      resumedFrom: latest,
      lastSaved: {
        step: t.step,
        dir: latest.dir,
        weightsSha256: t.weightsSha256,
        ...(t.lora ? { adaptersSha256: t.lora.adaptersSha256 } : {}),
      },
    };
  }
  const model = await initialModel(config, {
    ...(options.hub ? { hub: options.hub } : {}),
    onNote: (message) => sink({ type: 'note', message }),
  });
  const lora = loraOf(config);
  const noDecay = config.optimizer.noDecay;
  const adapters = lora ? loraTrainSpecs(model.config, lora, noDecay) : null;
  return {
    gpt2: model.config,
    state: adapters
      ? { params: initLoraAdapters(adapters, config.seed), m: zeros(adapters), v: zeros(adapters) }
      : stateFromWeights(trainParamSpecs(model.config, noDecay), model.weights),
    frozen: adapters ? tensorMapOf(model.weights) : null,
    step: 0,
    dataOrder: { epoch: 0, index: 0 },
    tokensSeen: 0,
    elapsedSec: 0,
    lossHistory: [],
    evalHistory: [],
    init: model.source,
    resumedFrom: null,
    lastSaved: null,
  };
}
