// Test helpers: seeded random tensors, running an IR graph in onnxruntime-node, and a central finite-difference
// gradient check that reports the worst per-tensor relative error.

import { gradients } from '../../../src/student/graph/autodiff';
import { type DType, Graph, type TensorData, type Value } from '../../../src/student/graph/ir';
import type { Opset } from '../../../src/student/graph/onnx';
import { mul, reduceSum } from '../../../src/student/graph/ops';
import { openSession, type ort, ortTensor } from '../../../src/student/graph/session';

/** Deterministic uniform [-1, 1) numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function randn(n: number, seed: number, scale = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r() * scale);
}

export interface Feed {
  readonly dtype: DType;
  readonly data: TensorData;
  readonly dims: readonly number[];
}

export function f64(data: Float64Array, dims: readonly number[]): Feed {
  return { dtype: 'float64', data, dims };
}

export function i64(values: readonly number[], dims: readonly number[]): Feed {
  return { dtype: 'int64', data: BigInt64Array.from(values, (v) => BigInt(v)), dims };
}

export async function run(
  session: ort.InferenceSession,
  feeds: Record<string, Feed>,
): Promise<Record<string, ort.Tensor>> {
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) inputs[k] = ortTensor(f.dtype, f.data, f.dims);
  return session.run(inputs) as Promise<Record<string, ort.Tensor>>;
}

export function numbers(t: ort.Tensor | undefined): number[] {
  if (!t) throw new Error('missing output');
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
}

/** Sums y weighted by a fixed random tensor, so every element of y reaches the scalar loss differently. */
export function weightedSum(y: Value, seed = 99): Value {
  const shape = y.shape.map((d) => {
    if (typeof d !== 'number') throw new Error('weightedSum needs a static shape');
    return d;
  });
  const n = shape.reduce((a, b) => a * b, 1);
  const w = y.graph.initializer(`weights_${seed}`, { dtype: y.dtype, shape, data: randn(n, seed) });
  return reduceSum(mul(y, w), undefined, false);
}

export interface GradCheck {
  /** Worst relative error over tensors: max |analytic - numeric| / max |numeric|. */
  readonly maxRelError: number;
  readonly perTensor: Record<string, number>;
}

/**
 * Builds `build(g)` → scalar loss over float64 inputs, adds autodiff gradients for the inputs named in
 * `wrt`, and compares them with central differences (step h) at `samples` entries per tensor (all if omitted).
 */
export async function gradCheck(options: {
  build: (g: Graph) => Value;
  feeds: Record<string, Feed>;
  wrt: readonly string[];
  h?: number;
  samples?: number;
  opset?: Opset;
}): Promise<GradCheck> {
  const g = new Graph('gradcheck');
  const loss = options.build(g);
  const params = options.wrt.map((name) => {
    const v = g.inputs.find((x) => x.name === name);
    if (!v) throw new Error(`no input ${name}`);
    return v;
  });
  g.output(loss, 'loss');
  gradients(loss, params).forEach((d, i) => {
    g.output(d, `grad.${options.wrt[i]}`);
  });
  const session = await openSession(g, { opset: options.opset ?? 17 });
  return finiteDifferenceCheck(session, options.feeds, options.wrt, options);
}

/**
 * For a session with outputs 'loss' and 'grad.<name>', compares each gradient with central differences of
 * the loss (step h) at `samples` entries per tensor (all entries if omitted).
 */
export async function finiteDifferenceCheck(
  session: ort.InferenceSession,
  feeds: Record<string, Feed>,
  wrt: readonly string[],
  options: { h?: number; samples?: number } = {},
): Promise<GradCheck> {
  const base = await run(session, feeds);
  const h = options.h ?? 1e-5;
  const perTensor: Record<string, number> = {};
  for (const name of wrt) {
    const feed = feeds[name]!;
    const data = feed.data as Float64Array;
    const analytic = numbers(base[`grad.${name}`]);
    const picks = pickIndices(data.length, options.samples, name.length);
    let maxErr = 0;
    let maxRef = 0;
    const copy = Float64Array.from(data);
    const perturbed = { ...feeds, [name]: { ...feed, data: copy } };
    for (const i of picks) {
      const keep = data[i]!;
      copy[i] = keep + h;
      const up = numbers((await run(session, perturbed))['loss'])[0]!;
      copy[i] = keep - h;
      const down = numbers((await run(session, perturbed))['loss'])[0]!;
      copy[i] = keep;
      const numeric = (up - down) / (2 * h);
      maxErr = Math.max(maxErr, Math.abs(numeric - analytic[i]!));
      maxRef = Math.max(maxRef, Math.abs(numeric));
    }
    perTensor[name] = maxRef === 0 ? maxErr : maxErr / maxRef;
  }
  return { maxRelError: Math.max(0, ...Object.values(perTensor)), perTensor };
}

function pickIndices(n: number, samples: number | undefined, seed: number): number[] {
  if (samples === undefined || samples >= n) return [...Array(n).keys()];
  const r = rng(seed + n);
  const set = new Set<number>([0, n - 1]);
  while (set.size < samples) set.add(Math.floor(((r() + 1) / 2) * n));
  return [...set];
}
