// Causal self-attention's core, softmax(q·kᵀ + mask bias)·v, as one IR node with a hand-written backward.
// By default the backward recomputes the attention probabilities instead of keeping them: P is [B, H, T, S],
// 100 MB a layer at GPT-2 124M with 2 × 1024 tokens, so storing it held 1.2 GB of a step's peak; the recompute
// costs one more q·kᵀ and masked softmax per layer. With `store` the node has P as a second output that the
// backward reads instead. The recomputed scores take q plus zero times one element of the incoming gradient: a
// free data dependency that keeps ONNX Runtime from merging them with the forward's (common-subexpression
// elimination) or computing them early, which would keep P alive after all.
//   forward:  P = maskedSoftmax(q·kᵀ, bias),  y = P·v
//   backward: dV = Pᵀ·dy,  dP = dy·vᵀ,  dS = P ∘ (dP − δ),  dq = dS·k,  dk = dSᵀ·q
// where δ = Σ_s dP∘P = Σ_s (dy·vᵀ)∘P = Σ_d dy∘(P·v) = Σ_d dy∘y (FlashAttention's Dᵢ): a sum over the head's D
// values instead of a product and a sum over S, two passes over [B, H, T, S] fewer per layer.

import { dimEq, fmtShape } from '../dims';
import type { Value } from '../ir';
import { add, like, matmul, mul, reduceSum, sub, transpose } from '../ops';
import {
  defineOp,
  expectDType,
  expectInputs,
  expectSameDType,
  FLOAT_TYPES,
  GraphError,
  intAttr,
} from '../registry';
import { defineGrad } from '../rules/rule';
import { maskedSoftmax } from './maskedSoftmax';

const swapLast = (x: Value) => transpose(x, [0, 1, 3, 2]);

function probabilities(q: Value, k: Value, bias: Value): Value {
  return maskedSoftmax(matmul(q, swapLast(k)), bias);
}

defineOp('MaskedAttention', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 4);
    const [q, k, v, bias] = inputs as [Value, Value, Value, Value];
    const dtype = expectSameDType([q, k, v, bias]);
    expectDType(q, FLOAT_TYPES, 'MaskedAttention q');
    const ok =
      q.rank === 4 &&
      k.rank === 4 &&
      v.rank === 4 &&
      dimEq(q.shape[3]!, k.shape[3]!) &&
      dimEq(k.shape[2]!, v.shape[2]!);
    if (!ok) {
      throw new GraphError(
        `MaskedAttention expects q [B,H,T,D], k and v [B,H,S,D]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}`,
      );
    }
    const y = { dtype, shape: [q.shape[0]!, q.shape[1]!, q.shape[2]!, v.shape[3]!] };
    if (intAttr(attrs, 'store', 0) === 0) return [y];
    return [y, { dtype, shape: [q.shape[0]!, q.shape[1]!, q.shape[2]!, k.shape[2]!] }];
  },
  lower: (_g, [q, k, v, bias], attrs) => {
    const p = probabilities(q!, k!, bias!);
    const y = matmul(p, v!);
    return intAttr(attrs, 'store', 0) === 0 ? [y] : [y, p];
  },
});

defineGrad('MaskedAttention', ({ inputs: [q, k, v, bias], outputs: [y, stored], dy: [d] }) => {
  const D = d!;
  let p = stored;
  if (!p) {
    const corner = D.graph.op('Slice', [D], { starts: [0, 0, 0, 0], ends: [1, 1, 1, 1], axes: [0, 1, 2, 3] });
    p = probabilities(add(q!, mul(like(D, 0), corner)), k!, bias!);
  }
  const dV = matmul(swapLast(p), D);
  const dP = matmul(D, swapLast(v!));
  const dS = mul(p, sub(dP, reduceSum(mul(D, y!), [-1], true)));
  return [matmul(dS, k!), matmul(swapLast(dS), q!), dV, undefined];
});

/**
 * softmax(q·kᵀ + bias)·v over [B, H, T, D] queries and [B, H, S, D] keys/values, bias [T, S] from maskBias;
 * `store` keeps the probabilities for the backward pass instead of recomputing them.
 */
export function maskedAttention(q: Value, k: Value, v: Value, bias: Value, store = false): Value {
  const g = q.graph;
  if (!store) return g.op('MaskedAttention', [q, k, v, bias]);
  return g.opMulti('MaskedAttention', [q, k, v, bias], { store: 1 })[0]!;
}
