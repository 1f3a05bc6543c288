/**
 * AdamW on the host, in place, for the CPU device. Design goal: peak memory. In a graph, the update must return
 * new weights and moments as fresh outputs (ONNX cannot write into its inputs), so a step holds the state twice:
 * 3 GB of a 124M model's 4.5 GB of state traffic, and the reason a step did not fit in 6 GiB. Here the graph
 * returns only the gradients and this loop updates weights, m and v where they are: one pass over memory instead
 * of ORT's dozen elementwise kernels. Same semantics as train_step.ts's in-graph AdamW (torch's: global-norm
 * clipping with its 1e-6, bias correction, decoupled decay on the flagged parameters); arithmetic in float64,
 * stored as float32. On a GPU the in-graph version stays: there the state lives in device memory.
 * adamWTensor is the reference kernel and the fallback; adamWKernel.ts runs the same arithmetic in WebAssembly.
 */
import type { ParamSpec } from '../graph/gpt2';
import type { OptimizerState } from './state';

export interface AdamWSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** ≤ 0: no clipping. */
  maxGradNorm: number;
  /** 1-based step, for bias correction. */
  step: number;
  /** Multiplies every gradient first (1 / supervised tokens for summed micro-batch gradients; else 1). */
  gradScale: number;
  /** Σ g² of the unscaled gradients when the graph computed it (else one more pass here). */
  gradSquares?: number;
}

/** torch.nn.utils.clip_grad_norm_'s epsilon in max_norm / (norm + eps), as the graph uses. */
const CLIP_EPS = 1e-6;

/** The global L2 norm of the scaled gradients. */
export function gradientNorm(grads: ReadonlyMap<string, Float32Array>, scale: number): number {
  let squares = 0;
  for (const g of grads.values()) {
    let sum = 0;
    for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
    squares += sum;
  }
  return Math.sqrt(squares) * Math.abs(scale);
}

/** One step's AdamW coefficients, shared by every tensor (decay is per tensor). Plain data: it crosses threads. */
export interface AdamWCoefficients {
  /** gradScale times the clipping factor. */
  readonly scale: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly stepSize: number;
  readonly invSqrtBc2: number;
  readonly eps: number;
}

/** Clips (from the gradient norm) and folds the bias corrections; returns the norm the step reports too. */
export function adamWCoefficients(
  grads: ReadonlyMap<string, Float32Array>,
  s: AdamWSettings,
): { norm: number; c: AdamWCoefficients } {
  const norm =
    s.gradSquares === undefined
      ? gradientNorm(grads, s.gradScale)
      : Math.sqrt(s.gradSquares) * Math.abs(s.gradScale);
  const clip = s.maxGradNorm > 0 ? Math.min(1, s.maxGradNorm / (norm + CLIP_EPS)) : 1;
  return {
    norm,
    c: {
      scale: s.gradScale * clip,
      beta1: s.beta1,
      beta2: s.beta2,
      stepSize: s.lr / (1 - s.beta1 ** s.step),
      invSqrtBc2: 1 / Math.sqrt(1 - s.beta2 ** s.step),
      eps: s.eps,
    },
  };
}

/** The decoupled weight decay factor of a tensor: 1 - lr·wd where it decays, else 1. */
export function decayOf(spec: ParamSpec, s: AdamWSettings): number {
  return spec.decay ? 1 - s.lr * s.weightDecay : 1;
}

/**
 * One tensor's update, in place. Self-contained (no outer names: adamWPool.ts runs its source in worker threads),
 * so every thread computes bit for bit the same values.
 */
export function adamWTensor(
  p: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  c: AdamWCoefficients,
  decay: number,
): void {
  const { scale, beta1, beta2, stepSize, invSqrtBc2, eps } = c;
  const oneMinusB1 = 1 - beta1;
  const oneMinusB2 = 1 - beta2;
  for (let i = 0; i < p.length; i++) {
    const d = g[i]! * scale;
    const mi = beta1 * m[i]! + oneMinusB1 * d;
    const vi = beta2 * v[i]! + oneMinusB2 * d * d;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * decay - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
  }
}

/**
 * Clips and applies one AdamW update to `state` in place; returns the gradient norm before clipping (after
 * `gradScale`), which the step reports.
 */
export function adamWInPlace(
  specs: readonly ParamSpec[],
  state: OptimizerState,
  grads: ReadonlyMap<string, Float32Array>,
  s: AdamWSettings,
): number {
  const { norm, c } = adamWCoefficients(grads, s);
  for (const spec of specs) {
    const g = grads.get(spec.name);
    if (!g) throw new Error(`no gradient for ${spec.name}`);
    adamWTensor(
      state.params.get(spec.name)!,
      state.m.get(spec.name)!,
      state.v.get(spec.name)!,
      g,
      c,
      decayOf(spec, s),
    );
  }
  return norm;
}
