/**
 * Examples → one padded batch, row-major [batchSize, seqLen] as flat typed arrays (what ONNX Runtime tensors
 * take). Right padding: with causal attention, real tokens never see the pads after them, so their logits are the
 * same as unpadded (left padding would shift positions and needs position ids). Pads get id EOS (GPT-2 has no pad
 * token), label -100 and attention 0, so they change neither the loss nor any real token's output.
 */
import { EOS_ID } from '../tokenizer';
import { checkExample, type Example, IGNORE_INDEX } from './examples';

/** GPT-2 has no pad token; EOS is the usual stand-in and is harmless because pads are masked and unsupervised. */
export const PAD_ID = EOS_ID;

export interface Batch {
  /** [batchSize * seqLen], row-major. */
  inputIds: Int32Array;
  labels: Int32Array;
  /** 1 on real tokens, 0 on padding. */
  attentionMask: Int32Array;
  batchSize: number;
  seqLen: number;
  /** Row r's example id, for logs and dumps. */
  exampleIds: string[];
  /**
   * Labels that are not -100 in the whole batch. A token-mean loss over gradient-accumulation steps must divide
   * by the sum of these over the micro-batches, not average per-micro-batch means (short rows would weigh more).
   */
  supervisedTokens: number;
}

export interface CollateOptions {
  /** Round seqLen up to a multiple of this (fewer distinct shapes; tensor-core-friendly sizes). Default 1. */
  padToMultipleOf?: number;
  /** Rounding never goes past this; longer examples are an error. */
  maxSeqLen?: number;
}

export function collate(examples: readonly Example[], options: CollateOptions = {}): Batch {
  if (examples.length === 0) throw new RangeError('collate: no examples');
  let longest = 0;
  for (const e of examples) {
    checkExample(e, options.maxSeqLen);
    longest = Math.max(longest, e.inputIds.length);
  }
  const multiple = options.padToMultipleOf ?? 1;
  let seqLen = Math.ceil(longest / multiple) * multiple;
  if (options.maxSeqLen !== undefined) seqLen = Math.min(seqLen, options.maxSeqLen);
  const batchSize = examples.length;
  const inputIds = new Int32Array(batchSize * seqLen).fill(PAD_ID);
  const labels = new Int32Array(batchSize * seqLen).fill(IGNORE_INDEX);
  const attentionMask = new Int32Array(batchSize * seqLen);
  let supervisedTokens = 0;
  examples.forEach((e, row) => {
    const at = row * seqLen;
    inputIds.set(e.inputIds, at);
    labels.set(e.labels, at);
    attentionMask.fill(1, at, at + e.inputIds.length);
    for (const label of e.labels) if (label !== IGNORE_INDEX) supervisedTokens++;
  });
  return {
    inputIds,
    labels,
    attentionMask,
    batchSize,
    seqLen,
    exampleIds: examples.map((e) => e.id),
    supervisedTokens,
  };
}

/** int64 copy for graphs whose inputs are int64 (HF's GPT-2 ONNX exports). */
export function asInt64(values: Int32Array): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  return out;
}

/** Row r of a batch without its padding: the example's own ids and labels. */
export function batchRow(batch: Batch, row: number): { inputIds: Int32Array; labels: Int32Array } {
  if (!Number.isInteger(row) || row < 0 || row >= batch.batchSize) {
    throw new RangeError(`batchRow: row ${row} outside 0..${batch.batchSize - 1}`);
  }
  const at = row * batch.seqLen;
  let length = 0;
  while (length < batch.seqLen && batch.attentionMask[at + length] === 1) length++;
  return {
    inputIds: batch.inputIds.subarray(at, at + length),
    labels: batch.labels.subarray(at, at + length),
  };
}
