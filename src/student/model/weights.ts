/**
 * GPT-2's parameters as named tensors, in Hugging Face's naming and layout so checkpoints move between us and
 * `transformers` without renaming or transposing.
 *
 * Naming: keys are the GPT2Model names WITHOUT the `transformer.` prefix (`wte.weight`, `h.0.attn.c_attn.weight`,
 * `ln_f.bias`) — the names inside openai-community/gpt2's model.safetensors, and the shortest unambiguous ones.
 * Checkpoints saved from GPT2LMHeadModel carry `transformer.` and sometimes `lm_head.weight`; `normalizeHfNames`
 * maps both forms onto ours, and `toHfCheckpointNames` produces the GPT2LMHeadModel form for writing.
 *
 * Layout: the projections are GPT-2's Conv1D, stored [in, out] (x @ W + b), not nn.Linear's [out, in].
 */
import { MiniAstroError } from '../../core/errors';
import type { Gpt2Config } from './config';

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Our parameters, by name (see the file comment); iteration order is `expectedShapes` order when we build it. */
export type Gpt2Weights = Map<string, Tensor>;

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** One block's parameters (suffixes after `h.N.`) with their shapes, in the order GPT2Block declares them. */
function blockShapes(d: number): [string, number[]][] {
  return [
    ['ln_1.weight', [d]],
    ['ln_1.bias', [d]],
    ['attn.c_attn.weight', [d, 3 * d]],
    ['attn.c_attn.bias', [3 * d]],
    ['attn.c_proj.weight', [d, d]],
    ['attn.c_proj.bias', [d]],
    ['ln_2.weight', [d]],
    ['ln_2.bias', [d]],
    ['mlp.c_fc.weight', [d, 4 * d]],
    ['mlp.c_fc.bias', [4 * d]],
    ['mlp.c_proj.weight', [4 * d, d]],
    ['mlp.c_proj.bias', [d]],
  ];
}

/** Every parameter's shape, in GPT2Model's declaration order (embeddings, blocks, final LayerNorm). */
export function expectedShapes(config: Gpt2Config): Map<string, number[]> {
  const d = config.nEmbd;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [config.vocabSize, d]],
    ['wpe.weight', [config.nPositions, d]],
  ]);
  for (let layer = 0; layer < config.nLayer; layer++) {
    for (const [suffix, shape] of blockShapes(d)) shapes.set(`h.${layer}.${suffix}`, shape);
  }
  shapes.set('ln_f.weight', [d]).set('ln_f.bias', [d]);
  return shapes;
}

const HINT_WEIGHTS =
  'The checkpoint does not match its config.json: use the config saved with these weights, or a GPT-2 ' +
  'checkpoint saved by Hugging Face transformers (GPT2LMHeadModel / GPT2Model).';

function listSome(items: string[], max = 8): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Throws MiniAstroError('badInput') listing every missing, unexpected and wrongly shaped tensor (and any whose
 * data length disagrees with its shape). `where` names the source, e.g. the folder.
 */
export function validateWeights(config: Gpt2Config, weights: Gpt2Weights, where = 'GPT-2 weights'): void {
  const expected = expectedShapes(config);
  const missing: string[] = [];
  const wrongShape: string[] = [];
  for (const [name, shape] of expected) {
    const tensor = weights.get(name);
    if (!tensor) missing.push(name);
    else if (!sameShape(tensor.shape, shape)) {
      wrongShape.push(`${name} is [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
    } else if (tensor.data.length !== elementCount(shape)) {
      wrongShape.push(`${name} holds ${tensor.data.length} values for shape [${shape.join(', ')}]`);
    }
  }
  const unexpected = [...weights.keys()].filter((name) => !expected.has(name));
  if (missing.length === 0 && wrongShape.length === 0 && unexpected.length === 0) return;
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing ${missing.length}: ${listSome(missing)}`);
  if (unexpected.length > 0) problems.push(`unexpected ${unexpected.length}: ${listSome(unexpected)}`);
  if (wrongShape.length > 0) problems.push(`wrong shape ${wrongShape.length}: ${listSome(wrongShape, 4)}`);
  throw new MiniAstroError(
    'badInput',
    `${where}: tensors do not match the config (n_layer ${config.nLayer}, n_embd ${config.nEmbd}, ` +
      `vocab_size ${config.vocabSize}, n_positions ${config.nPositions}); ${problems.join('; ')}`,
    HINT_WEIGHTS,
  );
}

/**
 * Tensors in checkpoints that are not parameters: the causal-mask buffers `h.N.attn.bias` / `h.N.attn.masked_bias`
 * that older transformers versions saved (openai-community/gpt2's model.safetensors has them). Matched after the
 * `transformer.` prefix is removed.
 */
export function isIgnoredBuffer(name: string): boolean {
  return /^h\.\d+\.attn\.(bias|masked_bias)$/.test(name);
}

const PREFIX = 'transformer.';
export const LM_HEAD = 'lm_head.weight';

/** Our name for a checkpoint name, `undefined` for buffers we skip, `LM_HEAD` for the output head. */
export function canonicalName(hfName: string): string | undefined {
  if (hfName === LM_HEAD) return LM_HEAD;
  const name = hfName.startsWith(PREFIX) ? hfName.slice(PREFIX.length) : hfName;
  return isIgnoredBuffer(name) ? undefined : name;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  // Compare bit patterns, not values: a tied copy is byte-for-byte the same (and NaN != NaN would lie).
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Maps checkpoint tensors (either HF form) onto our names: strips `transformer.`, drops mask buffers, and drops
 * `lm_head.weight` when it equals `wte.weight` (a tied head some savers write out). An lm_head that differs means
 * an untied model, which we cannot represent: an error rather than silently losing the head.
 */
export function normalizeHfNames(tensors: Iterable<[string, Tensor]>, where: string): Gpt2Weights {
  const out: Gpt2Weights = new Map();
  const sourceOf = new Map<string, string>();
  let lmHead: Tensor | undefined;
  for (const [hfName, tensor] of tensors) {
    const name = canonicalName(hfName);
    if (name === undefined) continue;
    if (name === LM_HEAD) {
      lmHead = tensor;
      continue;
    }
    const previous = sourceOf.get(name);
    if (previous !== undefined) {
      throw new MiniAstroError(
        'badInput',
        `${where}: both "${previous}" and "${hfName}" name the parameter ${name}`,
        'A checkpoint must use either the transformer.-prefixed names or the bare ones, not both.',
      );
    }
    sourceOf.set(name, hfName);
    out.set(name, tensor);
  }
  if (lmHead) {
    const wte = out.get('wte.weight');
    if (wte && !bitsEqual(wte.data, lmHead.data)) {
      throw new MiniAstroError(
        'badInput',
        `${where}: lm_head.weight differs from the token embedding wte.weight (an untied output head)`,
        'Our GPT-2 ties the output head to the token embedding, as every GPT-2 release does; untied checkpoints are not supported.',
      );
    }
    if (!wte) out.set('wte.weight', lmHead);
  }
  return out;
}

/**
 * The names GPT2LMHeadModel.save_pretrained writes: `transformer.`-prefixed, and no `lm_head.weight`, because
 * transformers drops the tied duplicate from safetensors files (tensors may not alias there) and re-ties the head
 * on load (`lm_head.weight` is in GPT2LMHeadModel's `_tied_weights_keys`).
 */
export function toHfCheckpointNames(weights: Gpt2Weights): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, tensor] of weights) out.set(PREFIX + name, tensor);
  return out;
}
