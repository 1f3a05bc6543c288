// A batch as the loss graphs' inputs: input_ids and labels, int64 [batch, seqLen].

import type * as ort from 'onnxruntime-node';
import { asInt64, type Batch } from '../data/collator';
import { ortTensor } from '../graph/session';

/**
 * input_ids and labels of `batch`. A graph with causal attention blocks (TransformerOptions.attentionBlocks) cuts
 * the sequence into that many equal parts, which ORT would do unevenly for other lengths: refused here instead.
 */
export function batchFeeds(batch: Batch, attentionBlocks = 1): Record<string, ort.Tensor> {
  if (batch.seqLen % attentionBlocks !== 0) {
    throw new RangeError(
      `a batch of ${batch.seqLen} tokens a row cannot be cut into ${attentionBlocks} equal attention blocks: pad batches to a multiple of ${attentionBlocks} (data.padToMultipleOf) or set attentionBlocks: 1`,
    );
  }
  const dims = [batch.batchSize, batch.seqLen];
  return {
    input_ids: ortTensor('int64', asInt64(batch.inputIds), dims),
    labels: ortTensor('int64', asInt64(batch.labels), dims),
  };
}
