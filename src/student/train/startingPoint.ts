/**
 * Where a run starts: the newest complete checkpoint when resuming (after checking that the config and the data are
 * the ones the run began with, so the continuation stays bit-identical), or fresh weights from the configured init.
 */
import { MiniAstroError } from '../../core/errors';
import type { TrainConfig } from '../config/trainConfig';
import type { DataOrder } from '../data/order';
import type { Gpt2Config } from '../model/config';
import { type CheckpointInfo, type LossPoint, loadCheckpoint } from './checkpoint';
import type { TrainEventSink } from './events';
import { trainParamSpecs } from './graphs';
import { checkModelFits, initialModel } from './modelInit';
import { configDifferences, trajectoryConfig } from './runConfig';
import { type OptimizerState, stateFromWeights } from './state';
import type { TrainOptions } from './trainer';

export interface StartingPoint {
  gpt2: Gpt2Config;
  state: OptimizerState;
  step: number;
  dataOrder: DataOrder;
  tokensSeen: number;
  elapsedSec: number;
  lossHistory: LossPoint[];
  evalHistory: { step: number; evalLoss: number }[];
  /** Where the weights first came from (gpt2, scratch, a folder). */
  init: string;
  resumedFrom: CheckpointInfo | null;
  lastSaved: { step: number; dir: string; weightsSha256: string } | null;
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
      step: t.step,
      dataOrder: t.dataOrder,
      tokensSeen: t.tokensSeen,
      elapsedSec: t.elapsedSec,
      lossHistory: t.lossHistory,
      evalHistory: t.evalHistory,
      init: t.init,
      resumedFrom: latest,
      lastSaved: { step: t.step, dir: latest.dir, weightsSha256: t.weightsSha256 },
    };
  }
  const model = await initialModel(config, {
    ...(options.hub ? { hub: options.hub } : {}),
    onNote: (message) => sink({ type: 'note', message }),
  });
  return {
    gpt2: model.config,
    state: stateFromWeights(trainParamSpecs(model.config, config.optimizer.noDecay), model.weights),
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
