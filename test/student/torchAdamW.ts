// torch.optim.AdamW (amsgrad off) after clip_grad_norm_, transcribed directly in float64: the reference for the
// in-graph AdamW (graph/trainStep.test.ts) and the host AdamW (train/hostAdamW.test.ts).

import type { ParamSpec } from '../../src/student/graph/gpt2';

/** A matrix that decays and a vector that does not: the two kinds of parameter AdamW treats differently. */
export const ADAMW_SPECS: ParamSpec[] = [
  { name: 'w', shape: [3, 4], decay: true },
  { name: 'b', shape: [4], decay: false },
];

export interface Hyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  max_grad_norm: number;
  step: number;
}

export /** torch.optim.AdamW (amsgrad off) after clip_grad_norm_, written out directly. */
function torchAdamW(p: number[][], g: number[][], m: number[][], v: number[][], h: Hyper, decay: boolean[]) {
  const norm = Math.sqrt(g.flat().reduce((a, x) => a + x * x, 0));
  const coef = h.max_grad_norm > 0 ? Math.min(1, h.max_grad_norm / (norm + 1e-6)) : 1;
  const out = p.map((param, t) =>
    param.map((x, i) => {
      const d = g[t]![i]! * coef;
      const mi = h.beta1 * m[t]![i]! + (1 - h.beta1) * d;
      const vi = h.beta2 * v[t]![i]! + (1 - h.beta2) * d * d;
      const bc1 = 1 - h.beta1 ** h.step;
      const bc2 = 1 - h.beta2 ** h.step;
      const decayed = decay[t] ? x * (1 - h.lr * h.weight_decay) : x;
      return [decayed - (h.lr / bc1) * (mi / (Math.sqrt(vi) / Math.sqrt(bc2) + h.eps)), mi, vi] as const;
    }),
  );
  return {
    p: out.map((r) => r.map((e) => e[0])),
    m: out.map((r) => r.map((e) => e[1])),
    v: out.map((r) => r.map((e) => e[2])),
    norm,
  };
}

/** Three steps: clipping active (max norm 0.5), clipping off (0), clipping inert (100); lr grows with the step. */
export function referenceSteps(): Hyper[] {
  return (
    [
      [1, 0.5],
      [2, 0],
      [3, 100],
    ] as const
  ).map(([step, maxNorm]) => ({
    lr: 0.01 * step,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weight_decay: 0.1,
    max_grad_norm: maxNorm,
    step,
  }));
}
