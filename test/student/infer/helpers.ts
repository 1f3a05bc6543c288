// Tiny random GPT-2 models for the inference tests, saved as Hugging Face folders in temp dirs.
import path from 'node:path';
import type { TestContext } from 'node:test';
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
