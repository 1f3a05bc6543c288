// LayerNorm as one IR node with a hand-derived backward: autodiff through the decomposed ops would keep five
// [B,T,C] intermediates alive per norm; this rule keeps only x, mean and 1/std. Lowered to basic ops, which
// also runs in float64 (ONNX LayerNormalization's statistics are float only).

import { dimEq, fmtShape } from '../dims';
import type { Value } from '../ir';
import { add, like, mul, reduceMean, sqrt, sub } from '../ops';
import {
  defineOp,
  expectDType,
  expectInputs,
  expectSameDType,
  FLOAT_TYPES,
  floatAttr,
  GraphError,
} from '../registry';
import { sumToShape } from '../rules/broadcast';
import { defineGrad } from '../rules/rule';

defineOp('LayerNorm', {
  infer: (inputs) => {
    expectInputs(inputs, 3);
    const [x, gamma, beta] = inputs as [Value, Value, Value];
    const dtype = expectSameDType(inputs);
    expectDType(x, FLOAT_TYPES, 'LayerNorm input');
    const c = x.shape[x.rank - 1]!;
    for (const p of [gamma, beta]) {
      if (p.rank !== 1 || !dimEq(p.shape[0]!, c))
        throw new GraphError(`LayerNorm ${p.name} must be [${c}], got ${fmtShape(p.shape)}`);
    }
    const stat = [...x.shape.slice(0, -1), 1];
    return [
      { dtype, shape: x.shape },
      { dtype, shape: stat },
      { dtype, shape: stat },
    ];
  },
  lower: (_g, [x, gamma, beta], attrs) => {
    const X = x!;
    const mean = reduceMean(X, [-1]);
    const xc = sub(X, mean);
    const variance = reduceMean(mul(xc, xc), [-1]);
    const rstd = X.graph.op('Reciprocal', [sqrt(add(variance, like(X, floatAttr(attrs, 'epsilon'))))]);
    return [add(mul(mul(xc, rstd), gamma!), beta!), mean, rstd];
  },
});

// With x̂ = (x - μ)·r and g = dy·γ:  dx = r·(g - mean(g) - x̂·mean(g·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy.
defineGrad(
  'LayerNorm',
  ({ inputs: [x, gamma, beta], outputs: [, mean, rstd], dy: [d, dMean, dRstd], needs }) => {
    if (dMean || dRstd) throw new GraphError('LayerNorm statistics outputs are not differentiable');
    const xhat = mul(sub(x!, mean!), rstd!);
    const gx = mul(d!, gamma!);
    const dx = needs[0]
      ? mul(rstd!, sub(sub(gx, reduceMean(gx, [-1])), mul(xhat, reduceMean(mul(gx, xhat), [-1]))))
      : undefined;
    return [
      dx,
      needs[1] ? sumToShape(mul(d!, xhat), gamma!.shape) : undefined,
      needs[2] ? sumToShape(d!, beta!.shape) : undefined,
    ];
  },
);

/** HF LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta (biased variance). */
export function layerNorm(x: Value, gamma: Value, beta: Value, epsilon: number): Value {
  return x.graph.opMulti('LayerNorm', [x, gamma, beta], { epsilon })[0]!;
}
