/**
 * The masked loss of a model on a data file, one definition for evaluation during training and for the `loss`
 * verb: total token loss over the file's supervised tokens / their count (not a mean of per-batch means, which
 * would weigh short batches more). The batches are the ones a dump (`--dump-batches`) writes, in file order, so
 * anyone can recompute the number from the dump in another framework.
 */
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { MiniAstroError } from '../../core/errors';
import { type Device, defaultTrainConfig } from '../config/trainConfig';
import type { Batch } from '../data/collator';
import { loadExamples } from '../data/dataset';
import { type DumpResult, writeBatchDump } from '../data/dump';
import { BatchLoader } from '../data/order';
import { PromptFormat, promptTemplate } from '../data/template';
import { gpt2Params, type ParamSpec } from '../graph/gpt2';
import { ortTensor } from '../graph/session';
import { loadGpt2Folder } from '../model/hfFolder';
import { defaultTokenizer } from '../tokenizer';
import { batchFeeds } from './batchFeeds';
import { readTrainerStateIfAny } from './checkpoint';
import { openDeviceSession } from './device';
import { buildEvalGraph } from './graphs';
import type { TensorMap } from './state';

export interface LossTotals {
  /** lossSum / supervisedTokens (0 when nothing is supervised). */
  loss: number;
  lossSum: number;
  supervisedTokens: number;
  examples: number;
}

export function paramFeeds(specs: readonly ParamSpec[], params: TensorMap): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const s of specs) feeds[s.name] = ortTensor('float32', params.get(s.name)!, s.shape);
  return feeds;
}

export function scalarOf(tensor: ort.Tensor | undefined, name: string): number {
  if (!tensor) throw new Error(`graph output ${name} is missing`);
  return Number((tensor.data as ArrayLike<number | bigint>)[0]);
}

/**
 * Sums the eval graph's loss and token count over `batches` (the session of buildEvalGraph); `weights` are the
 * parameter feeds every run gets (with a LoRA run's frozen base weights), on the host or on the device; `feedsOf`
 * turns a batch into its inputs (TrainSessions.batchFeeds where the graph has attention blocks).
 */
export async function maskedLoss(
  session: ort.InferenceSession,
  weights: Readonly<Record<string, ort.Tensor>>,
  batches: Iterable<Batch>,
  feedsOf: (batch: Batch) => Record<string, ort.Tensor> = batchFeeds,
): Promise<LossTotals> {
  let lossSum = 0;
  let supervisedTokens = 0;
  let examples = 0;
  for (const batch of batches) {
    const out = await session.run({ ...weights, ...feedsOf(batch) });
    lossSum += scalarOf(out['loss'], 'loss');
    supervisedTokens += scalarOf(out['token_count'], 'token_count');
    examples += batch.batchSize;
  }
  return {
    loss: supervisedTokens === 0 ? 0 : lossSum / supervisedTokens,
    lossSum,
    supervisedTokens,
    examples,
  };
}

export interface CheckpointLossOptions {
  /** A checkpoint folder (or any HF GPT-2 folder). */
  checkpoint: string;
  dataFile: string;
  batchSize?: number;
  /** Default: the training run's (trainer_state.json), else the model's positions (at most 1024). */
  maxSeqLen?: number;
  dumpFile?: string;
  device?: Device;
}

export interface CheckpointLoss extends LossTotals {
  batches: number;
  promptTemplate: string;
  maxSeqLen: number;
  dump: DumpResult | null;
}

/** The `loss` verb: masked mean loss of a checkpoint over a curated JSONL file. */
export async function checkpointLoss(options: CheckpointLossOptions): Promise<CheckpointLoss> {
  const model = loadGpt2Folder(options.checkpoint);
  const trainer = readTrainerStateIfAny(options.checkpoint);
  const templateName = trainer?.promptTemplate ?? 'abstract-explanation-v1';
  const maxSeqLen = options.maxSeqLen ?? trainer?.maxSeqLen ?? Math.min(1024, model.config.nPositions);
  if (maxSeqLen > model.config.nPositions) {
    throw new MiniAstroError(
      'usage',
      `--max-seq-len ${maxSeqLen} exceeds the model's ${model.config.nPositions} positions.`,
      `Use at most ${model.config.nPositions}.`,
    );
  }
  const saved = trainer?.trajectoryConfig?.['data'] as
    | { truncation?: { minAbstractTokens?: number }; padToMultipleOf?: number; superviseEos?: boolean }
    | undefined;
  const format = new PromptFormat(defaultTokenizer(), promptTemplate(templateName));
  const loaded = loadExamples(path.resolve(options.dataFile), format, {
    maxSeqLen,
    minAbstractTokens: Math.min(saved?.truncation?.minAbstractTokens ?? 64, maxSeqLen - 1),
    onTooLong: 'error',
    // The loss the run trained on: a checkpoint from before the switch supervised its EOS.
    superviseEos: saved?.superviseEos ?? defaultTrainConfig.data.superviseEos,
    onBadRow: 'error',
  });
  const loader = new BatchLoader(loaded.examples, {
    batchSize: options.batchSize ?? 8,
    seed: 0,
    shuffle: false,
    maxSeqLen,
    padToMultipleOf: Math.min(saved?.padToMultipleOf ?? 8, maxSeqLen),
  });
  const dump = options.dumpFile ? writeBatchDump(options.dumpFile, loader.epochBatches(0)) : null;
  const specs = gpt2Params(model.config);
  const session = await openDeviceSession(buildEvalGraph(model.config), options.device ?? 'cpu');
  try {
    const params: TensorMap = new Map([...model.weights].map(([k, t]) => [k, t.data]));
    const totals = await maskedLoss(session, paramFeeds(specs, params), loader.epochBatches(0));
    return { ...totals, batches: loader.batchesPerEpoch, promptTemplate: templateName, maxSeqLen, dump };
  } finally {
    await session.release();
  }
}
