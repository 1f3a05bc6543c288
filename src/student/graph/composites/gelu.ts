// GPT-2's GELU ('gelu_new', tanh approximation) as one IR node whose backward needs only x: the decomposed
// form would keep six [B,T,4C] intermediates per layer alive for the backward pass.
//   y = 0.5·x·(1 + tanh(u)),  u = √(2/π)·(x + 0.044715·x³)
//   dy/dx = 0.5·(1 + t) + 0.5·x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²),  t = tanh(u)

import type { Value } from '../ir';
import { add, like, mul, sub, tanh } from '../ops';
import { defineOp, expectDType, expectInputs, FLOAT_TYPES } from '../registry';
import { defineGrad } from '../rules/rule';

const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;

function tanhU(x: Value): Value {
  return tanh(mul(like(x, K), add(x, mul(like(x, C), mul(mul(x, x), x)))));
}

defineOp('GeluNew', {
  infer: (inputs) => {
    expectInputs(inputs, 1);
    expectDType(inputs[0]!, FLOAT_TYPES, 'GeluNew input');
    return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
  },
  lower: (_g, [x]) => {
    const X = x!;
    return [mul(mul(like(X, 0.5), X), add(like(X, 1), tanhU(X)))];
  },
});

defineGrad('GeluNew', ({ inputs: [x], dy: [d] }) => {
  const X = x!;
  const t = tanhU(X);
  const half = like(X, 0.5);
  const left = mul(half, add(like(X, 1), t));
  const du = mul(like(X, K), add(like(X, 1), mul(like(X, 3 * C), mul(X, X))));
  const right = mul(mul(half, X), mul(sub(like(X, 1), mul(t, t)), du));
  return [mul(d!, add(left, right))];
});

export function geluNew(x: Value): Value {
  return x.graph.op('GeluNew', [x]);
}
