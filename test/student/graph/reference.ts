// An independent GPT-2 forward pass in plain float64 TypeScript loops (no graph, no ONNX), following HF's
// GPT2LMHeadModel line by line, to check the graph's logits and loss against.

import type { Gpt2Shape } from '../../../src/student/graph/gpt2';
import { gpt2Params } from '../../../src/student/graph/gpt2';
import { type Feed, f64, i64, randn } from './helpers';

export type Params = Map<string, Float64Array>;

/** Random parameters large enough that every nonlinearity is exercised (LN gains near 1). */
export function randomParams(cfg: Gpt2Shape, seed: number, scale = 0.3): Params {
  return new Map(
    gpt2Params(cfg).map((p, i) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      const data = randn(n, seed * 1000 + i, scale);
      if (/ln_\d|ln_f/.test(p.name) && p.name.endsWith('.weight'))
        for (let j = 0; j < n; j++) data[j] = 1 + data[j]!;
      return [p.name, data];
    }),
  );
}

function get(p: Params, name: string): Float64Array {
  const v = p.get(name);
  if (!v) throw new Error(`no ${name}`);
  return v;
}

function layerNorm(x: Float64Array[], w: Float64Array, b: Float64Array, eps: number): Float64Array[] {
  return x.map((row) => {
    const n = row.length;
    let mean = 0;
    for (const v of row) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of row) variance += (v - mean) ** 2;
    variance /= n;
    const inv = 1 / Math.sqrt(variance + eps);
    return row.map((v, i) => (v - mean) * inv * w[i]! + b[i]!);
  });
}

/** x [T][in] @ W [in, out] + b. */
function linear(x: Float64Array[], w: Float64Array, b: Float64Array): Float64Array[] {
  const out = b.length;
  return x.map((row) => {
    const y = Float64Array.from(b);
    for (let i = 0; i < row.length; i++) for (let j = 0; j < out; j++) y[j]! += row[i]! * w[i * out + j]!;
    return y;
  });
}

function geluNew(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

/** Logits [T][V] for one sequence. */
export function referenceLogits(cfg: Gpt2Shape, p: Params, ids: readonly number[]): Float64Array[] {
  const C = cfg.nEmbd;
  const H = cfg.nHead;
  const D = C / H;
  const wte = get(p, 'wte.weight');
  const wpe = get(p, 'wpe.weight');
  let x = ids.map((id, t) => Float64Array.from({ length: C }, (_, c) => wte[id * C + c]! + wpe[t * C + c]!));
  const eps = cfg.layerNormEpsilon;
  for (let l = 0; l < cfg.nLayer; l++) {
    const h = `h.${l}`;
    const a = layerNorm(x, get(p, `${h}.ln_1.weight`), get(p, `${h}.ln_1.bias`), eps);
    const qkv = linear(a, get(p, `${h}.attn.c_attn.weight`), get(p, `${h}.attn.c_attn.bias`));
    const y = x.map(() => new Float64Array(C));
    for (let head = 0; head < H; head++) {
      for (let t = 0; t < x.length; t++) {
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += qkv[t]![head * D + d]! * qkv[s]![C + head * D + d]!;
          scores.push(dot / Math.sqrt(D));
        }
        const m = Math.max(...scores);
        const e = scores.map((v) => Math.exp(v - m));
        const z = e.reduce((u, v) => u + v, 0);
        for (let s = 0; s <= t; s++) {
          for (let d = 0; d < D; d++) y[t]![head * D + d]! += (e[s]! / z) * qkv[s]![2 * C + head * D + d]!;
        }
      }
    }
    const attn = linear(y, get(p, `${h}.attn.c_proj.weight`), get(p, `${h}.attn.c_proj.bias`));
    x = x.map((row, t) => row.map((v, c) => v + attn[t]![c]!));
    const b = layerNorm(x, get(p, `${h}.ln_2.weight`), get(p, `${h}.ln_2.bias`), eps);
    const f = linear(b, get(p, `${h}.mlp.c_fc.weight`), get(p, `${h}.mlp.c_fc.bias`)).map((r) =>
      r.map(geluNew),
    );
    const m = linear(f, get(p, `${h}.mlp.c_proj.weight`), get(p, `${h}.mlp.c_proj.bias`));
    x = x.map((row, t) => row.map((v, c) => v + m[t]![c]!));
  }
  const hf = layerNorm(x, get(p, 'ln_f.weight'), get(p, 'ln_f.bias'), eps);
  return hf.map((row) =>
    Float64Array.from({ length: cfg.vocabSize }, (_, v) => {
      let dot = 0;
      for (let c = 0; c < C; c++) dot += row[c]! * wte[v * C + c]!;
      return dot;
    }),
  );
}

/** HF loss: mean over positions t with labels[t+1] ≠ -100 of -log softmax(logits[t])[labels[t+1]]. */
export function referenceLoss(
  cfg: Gpt2Shape,
  p: Params,
  ids: readonly (readonly number[])[],
  labels: readonly (readonly number[])[],
): { loss: number; count: number } {
  let sum = 0;
  let count = 0;
  ids.forEach((seq, b) => {
    const logits = referenceLogits(cfg, p, seq);
    for (let t = 0; t + 1 < seq.length; t++) {
      const y = labels[b]![t + 1]!;
      if (y === -100) continue;
      const row = logits[t]!;
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((u, v) => u + Math.exp(v - m), 0));
      sum += lse - row[y]!;
      count++;
    }
  });
  return { loss: count === 0 ? 0 : sum / count, count };
}

/** Parameters as session feeds (float32 copies when asked). */
export function paramFeeds(
  cfg: Gpt2Shape,
  p: Params,
  dtype: 'float32' | 'float64' = 'float64',
): Record<string, Feed> {
  const out: Record<string, Feed> = {};
  for (const spec of gpt2Params(cfg)) {
    const data = get(p, spec.name);
    out[spec.name] =
      dtype === 'float64'
        ? f64(data, spec.shape)
        : { dtype, data: Float32Array.from(data), dims: spec.shape };
  }
  return out;
}

export const TINY: Gpt2Shape = {
  nLayer: 2,
  nHead: 2,
  nEmbd: 8,
  nPositions: 16,
  vocabSize: 23,
  layerNormEpsilon: 1e-5,
};

/** Deterministic token ids [B][T] in [0, vocab). */
export function randomIds(b: number, t: number, vocab: number, seed: number): number[][] {
  let s = seed;
  return Array.from({ length: b }, () =>
    Array.from({ length: t }, () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s % vocab;
    }),
  );
}

export function idFeed(rows: readonly (readonly number[])[]): Feed {
  return i64(rows.flat(), [rows.length, rows[0]!.length]);
}
