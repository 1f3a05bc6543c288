// GPT-2's GELU ('gelu_new', tanh approximation) as one IR node whose backward needs only x: the decomposed
// form would keep six [B,T,4C] intermediates per layer alive for the backward pass.
//   y = 0.5·x·(1 + tanh(u)),  u = √(2/π)·(x + 0.044715·x³)
// is computed as x·σ(2u), since 0.5·(1 + tanh(u)) = σ(2u): each op is a pass over [B, T, 4C] on the CPU, and
// this form, with its derivative
//   dy/dx = s + x·s·(1 − s)·2u',  s = σ(2u),  2u' = 2√(2/π)·(1 + 3·0.044715·x²)
//         = s·(1 + x·(1 − s)·2u'),
// takes 14 passes for forward and backward together where the tanh form took 20. The backward's x² and s are
// the forward's (ONNX Runtime merges the identical nodes), so they are computed once.

import type { Value } from '../ir';
import { add, like, mul, sub } from '../ops';
import { defineOp, expectDType, expectInputs, FLOAT_TYPES } from '../registry';
import { defineGrad } from '../rules/rule';

const K2 = 2 * Math.sqrt(2 / Math.PI);
const C = 0.044715;

/** x² and σ(2u) = σ(x·(2K + 2KC·x²)). */
function gate(x: Value): { x2: Value; s: Value } {
  const x2 = mul(x, x);
  const twoU = mul(x, add(mul(x2, like(x, K2 * C)), like(x, K2)));
  return { x2, s: x.graph.op('Sigmoid', [twoU]) };
}

defineOp('GeluNew', {
  infer: (inputs) => {
    expectInputs(inputs, 1);
    expectDType(inputs[0]!, FLOAT_TYPES, 'GeluNew input');
    return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
  },
  lower: (_g, [x]) => [mul(x!, gate(x!).s)],
});

defineGrad('GeluNew', ({ inputs: [x], dy: [d] }) => {
  const X = x!;
  const { x2, s } = gate(X);
  const twoDu = add(mul(x2, like(X, 3 * K2 * C)), like(X, K2));
  const inner = add(mul(mul(X, sub(like(X, 1), s)), twoDu), like(X, 1));
  return [mul(d!, mul(s, inner))];
});

export function geluNew(x: Value): Value {
  return x.graph.op('GeluNew', [x]);
}
