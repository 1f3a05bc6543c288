// Tiny random GPT-2 models for the inference tests, saved as Hugging Face folders in temp dirs.
import path from 'node:path';
import type { TestContext } from 'node:test';
import type * as ort from 'onnxruntime-node';
import { buildLogitsGraph, openSession, ortTensor } from '../../../src/student/graph';
import {
  type Gpt2Config,
  type Gpt2Weights,
  initGpt2Weights,
  saveGpt2Folder,
  tinyGpt2Config,
} from '../../../src/student/model';
import { tempDir } from '../../helpers/tmp';

/**
 * GPT-2's real vocabulary (so the real tokenizer's prompt ids fit) with a tiny body: 2 layers, 16 dims. A wide
 * initializer_range makes the random model's choices vary from step to step instead of repeating one token.
 */
export function tinyTextConfig(overrides: Partial<Gpt2Config> = {}): Gpt2Config {
  return tinyGpt2Config({ vocabSize: 50257, nPositions: 256, initializerRange: 0.3, ...overrides });
}

export interface TinyModel {
  dir: string;
  config: Gpt2Config;
  weights: Gpt2Weights;
}

export function tinyModelFolder(
  t: TestContext,
  overrides: Partial<Gpt2Config> = {},
  seed = 1,
): TinyModel & { root: string } {
  const root = tempDir(t, 'miniastrolm-infer-');
  const config = tinyTextConfig(overrides);
  const weights = initGpt2Weights(config, { seed });
  const dir = path.join(root, 'hf');
  saveGpt2Folder(dir, config, weights);
  return { root, dir, config, weights };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Logits [T · V] of every position of `ids`, from the project's IR graph with the weights as inputs (float32). */
export async function referenceLogits(
  config: Gpt2Config,
  weights: Gpt2Weights,
  ids: readonly number[],
): Promise<Float32Array> {
  const session = await openSession(buildLogitsGraph(config, { dtype: 'float32', positions: 'all' }));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of weights) feeds[name] = ortTensor('float32', tensor.data, tensor.shape);
  feeds['input_ids'] = ortTensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const out = await session.run(feeds);
  await session.release();
  return out['logits']!.data as Float32Array;
}

/** The row of `position` in logits [T · V]. */
export function rowOf(logits: Float32Array, position: number, vocabSize: number): Float32Array {
  return logits.subarray(position * vocabSize, (position + 1) * vocabSize);
}
