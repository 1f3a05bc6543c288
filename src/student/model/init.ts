/**
 * A fresh GPT-2 from a seed, initialised as Hugging Face's GPT2PreTrainedModel._init_weights does: Conv1D and
 * embedding weights ~ N(0, initializer_range), the two residual projections (`c_proj.weight`) ~
 * N(0, initializer_range / sqrt(2 n_layer)) per the GPT-2 paper, biases 0, LayerNorm weight 1 and bias 0.
 * Same seed, same bits, on any platform; each tensor draws from its own stream (seed, hash of its name), so
 * adding or reordering tensors never changes the others.
 */
import type { Gpt2Config } from './config';
import { validateConfig } from './config';
import { hashString, Xoshiro128 } from './random';
import { elementCount, expectedShapes, type Gpt2Weights } from './weights';

export interface InitOptions {
  seed: number;
  /**
   * Std of the position embedding. HF draws wpe like every nn.Embedding, N(0, initializer_range) = 0.02
   * (the default here); OpenAI's original TensorFlow code used 0.01.
   */
  wpeStd?: number;
}

export type InitRule = { kind: 'normal'; std: number } | { kind: 'constant'; value: number };

/** How `initGpt2Weights` fills the tensor `name` (our naming, see weights.ts). */
export function initRule(
  config: Gpt2Config,
  name: string,
  options: Omit<InitOptions, 'seed'> = {},
): InitRule {
  const std = config.initializerRange;
  if (name === 'wpe.weight') return { kind: 'normal', std: options.wpeStd ?? std };
  if (name === 'wte.weight') return { kind: 'normal', std };
  if (/\.ln_[12]\.weight$|^ln_f\.weight$/.test(name)) return { kind: 'constant', value: 1 };
  if (name.endsWith('.bias')) return { kind: 'constant', value: 0 };
  if (name.endsWith('.c_proj.weight')) return { kind: 'normal', std: std / Math.sqrt(2 * config.nLayer) };
  return { kind: 'normal', std };
}

export function initGpt2Weights(config: Gpt2Config, options: InitOptions): Gpt2Weights {
  validateConfig(config);
  const weights: Gpt2Weights = new Map();
  for (const [name, shape] of expectedShapes(config)) {
    const data = new Float32Array(elementCount(shape));
    const rule = initRule(config, name, options);
    if (rule.kind === 'constant') {
      if (rule.value !== 0) data.fill(rule.value);
    } else {
      new Xoshiro128(options.seed, hashString(name)).fillNormal(data, rule.std);
    }
    weights.set(name, { shape, data });
  }
  return weights;
}
