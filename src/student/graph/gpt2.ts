// GPT-2 (HF GPT2Model, pre-LN) over the IR: wte+wpe → n_layer × [ln_1 → causal self-attention → residual,
// ln_2 → MLP with gelu_new → residual] → ln_f. Parameters are graph inputs named as in HF's safetensors
// ('h.0.attn.c_attn.weight'), Conv1D weights stored [in, out] so a linear layer is x @ W + b.
// Batch and sequence length are symbols ('B', 'T', and 'P' for cached positions; 'n*Tb' for attention in n query
// blocks, causalBlocks.ts), never baked in.

import './composites/gelu';
import './composites/layerNorm';
import { blockedCausalAttention, causalBlockBiases } from './causalBlocks';
import { geluNew } from './composites/gelu';
import { layerNorm } from './composites/layerNorm';
import { maskBias } from './composites/maskedSoftmax';
import type { DType, Graph, Value } from './ir';
import { withLora } from './lora';
import * as o from './ops';
import { GraphError } from './registry';

/** The model shape, structurally compatible with the project's Gpt2Config (src/student/model/config.ts). */
export interface Gpt2Shape {
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly nPositions: number;
  readonly vocabSize: number;
  readonly layerNormEpsilon: number;
}

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** AdamW weight decay applies to matrices (and embeddings), never to biases or LayerNorm parameters. */
  readonly decay: boolean;
}

/** Every parameter in HF order, with shapes. The LM head is tied to wte and has no tensor of its own. */
export function gpt2Params(cfg: Gpt2Shape): ParamSpec[] {
  const C = cfg.nEmbd;
  const mat = (name: string, shape: number[]): ParamSpec => ({ name, shape, decay: true });
  const vec = (name: string, size: number): ParamSpec => ({ name, shape: [size], decay: false });
  const norm = (prefix: string) => [vec(`${prefix}.weight`, C), vec(`${prefix}.bias`, C)];
  const specs: ParamSpec[] = [mat('wte.weight', [cfg.vocabSize, C]), mat('wpe.weight', [cfg.nPositions, C])];
  for (let i = 0; i < cfg.nLayer; i++) {
    const h = `h.${i}`;
    specs.push(
      ...norm(`${h}.ln_1`),
      mat(`${h}.attn.c_attn.weight`, [C, 3 * C]),
      vec(`${h}.attn.c_attn.bias`, 3 * C),
      mat(`${h}.attn.c_proj.weight`, [C, C]),
      vec(`${h}.attn.c_proj.bias`, C),
      ...norm(`${h}.ln_2`),
      mat(`${h}.mlp.c_fc.weight`, [C, 4 * C]),
      vec(`${h}.mlp.c_fc.bias`, 4 * C),
      mat(`${h}.mlp.c_proj.weight`, [4 * C, C]),
      vec(`${h}.mlp.c_proj.bias`, C),
    );
  }
  specs.push(...norm('ln_f'));
  return specs;
}

export function checkShape(cfg: Gpt2Shape): void {
  if (cfg.nEmbd % cfg.nHead !== 0)
    throw new GraphError(`nEmbd ${cfg.nEmbd} is not a multiple of nHead ${cfg.nHead}`);
}

/** Declares every parameter as a graph input of `dtype`; returns them by HF name. */
export function declareParams(g: Graph, cfg: Gpt2Shape, dtype: DType): Map<string, Value> {
  return new Map(gpt2Params(cfg).map((p) => [p.name, g.input(p.name, dtype, p.shape)]));
}

export interface KvPair {
  readonly key: Value;
  readonly value: Value;
}

export interface TransformerOptions {
  /**
   * Attention probabilities [B, H, T, S] are recomputed in the backward pass instead of stored (composites/
   * attention.ts): about 1 GB less at GPT-2 124M with 2 × 1024 tokens, for one more q·kᵀ per layer.
   */
  readonly recomputeAttention?: boolean;
  /**
   * Causal attention in this many query blocks, each over its key prefix (causalBlocks.ts): (n+1)/(2n) of the
   * attention work. Needs no cache and a sequence dim declared as a multiple of n ('n*Tb'). Default 1.
   */
  readonly attentionBlocks?: number;
}

export interface TransformerOutput {
  /** Hidden states after ln_f, [B, T, C]. */
  readonly hidden: Value;
  /** Keys and values per layer including the new positions, [B, H, P+T, D] (for a KV cache). */
  readonly present: KvPair[];
}

function param(params: ReadonlyMap<string, Value>, name: string): Value {
  const v = params.get(name);
  if (!v) throw new GraphError(`missing parameter ${name}`);
  return v;
}

/** Conv1D: x [..., in] @ W [in, out] + b (plus its LoRA adapter when `params` holds one, see lora.ts). */
function linear(x: Value, params: ReadonlyMap<string, Value>, prefix: string): Value {
  const y = o.add(o.matmul(x, param(params, `${prefix}.weight`)), param(params, `${prefix}.bias`));
  return withLora(y, x, params, prefix);
}

function norm(x: Value, params: ReadonlyMap<string, Value>, prefix: string, eps: number): Value {
  return layerNorm(x, param(params, `${prefix}.weight`), param(params, `${prefix}.bias`), eps);
}

/** A scalar int64 holding a symbolic dim of `x` (its value is tracked, so Range shapes stay symbolic). */
function dimScalar(x: Value, axis: number): Value {
  return o.squeeze(o.shapeOf(x, axis, axis + 1), [0]);
}

function attention(
  x: Value,
  params: ReadonlyMap<string, Value>,
  prefix: string,
  cfg: Gpt2Shape,
  biases: readonly Value[],
  past: KvPair | undefined,
  recompute: boolean,
): { out: Value; present: KvPair } {
  const C = cfg.nEmbd;
  const H = cfg.nHead;
  const D = C / H;
  const [q, k, v] = o.split(linear(x, params, `${prefix}.c_attn`), 2, [C, C, C]);
  // [B, T, C] → [B, H, T, D]
  const heads = (t: Value) => o.transpose(o.reshape(t, [0, 0, H, D]), [0, 2, 1, 3]);
  const key = past ? o.concat([past.key, heads(k!)], 2) : heads(k!);
  const value = past ? o.concat([past.value, heads(v!)], 2) : heads(v!);
  // Scaling q (B·H·T·D values) rather than the scores (B·H·T·S) is cheaper and the same math.
  const qs = o.mul(heads(q!), o.like(x, 1 / Math.sqrt(D)));
  // Recomputing the probabilities in the backward pass trades one more q·kᵀ per layer for not storing them.
  const y = blockedCausalAttention(qs, key, value, biases, !recompute);
  const merged = o.reshape(o.transpose(y, [0, 2, 1, 3]), [0, 0, C]);
  return { out: linear(merged, params, `${prefix}.c_proj`), present: { key, value } };
}

/**
 * The transformer body for token ids [B, T] (and, for incremental decoding, cached keys/values [B, H, P, D]
 * per layer): positions run from P to P+T, and position i attends to cache positions and to new ones ≤ i.
 */
export function transformer(
  cfg: Gpt2Shape,
  params: ReadonlyMap<string, Value>,
  inputIds: Value,
  past?: readonly KvPair[],
  options: TransformerOptions = {},
): TransformerOutput {
  checkShape(cfg);
  const g = inputIds.graph;
  if (past && past.length !== cfg.nLayer) throw new GraphError(`expected ${cfg.nLayer} cached layers`);
  const start = past ? dimScalar(past[0]!.key, 2) : g.constant('int64', 0);
  const end = o.add(start, dimScalar(inputIds, 1));
  const one = g.constant('int64', 1);
  const queryPos = g.op('Range', [start, end, one]); // [T]
  const keyPos = g.op('Range', [g.constant('int64', 0), end, one]); // [P+T]
  // Causal mask [T, P+T]: query at absolute position p sees keys at positions ≤ p.
  const mask = o.greaterOrEqual(o.unsqueeze(queryPos, [1]), o.unsqueeze(keyPos, [0]));

  let x = g.scope('embed', () =>
    o.add(o.gather(param(params, 'wte.weight'), inputIds), o.gather(param(params, 'wpe.weight'), queryPos)),
  );
  const blocks = options.attentionBlocks ?? 1;
  if (blocks > 1 && past) throw new GraphError('attention blocks are for graphs without a key/value cache');
  // Additive biases shared by every layer (0 where allowed, the lowest value where not): [T, P+T], or one per
  // query block.
  const biases = blocks > 1 ? causalBlockBiases(queryPos, blocks, x.dtype) : [maskBias(mask, x.dtype)];
  const eps = cfg.layerNormEpsilon;
  const present: KvPair[] = [];
  for (let i = 0; i < cfg.nLayer; i++) {
    const h = `h.${i}`;
    x = g.scope(h, () => {
      const ln1 = norm(x, params, `${h}.ln_1`, eps);
      const a = attention(
        ln1,
        params,
        `${h}.attn`,
        cfg,
        biases,
        past?.[i],
        options.recomputeAttention === true,
      );
      present.push(a.present);
      const r = o.add(x, a.out);
      const m = linear(
        geluNew(linear(norm(r, params, `${h}.ln_2`, eps), params, `${h}.mlp.c_fc`)),
        params,
        `${h}.mlp.c_proj`,
      );
      return o.add(r, m);
    });
  }
  return { hidden: norm(x, params, 'ln_f', eps), present };
}
