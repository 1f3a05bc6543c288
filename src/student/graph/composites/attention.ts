// Causal self-attention's core, softmax(q·kᵀ masked)·v, as one IR node whose backward recomputes the attention
// probabilities instead of keeping them: P is [B, H, T, S], 100 MB a layer at GPT-2 124M with 2 × 1024 tokens,
// so storing it for the backward pass held 1.2 GB of a step's peak. The recompute costs one more q·kᵀ and
// masked softmax per layer in the backward pass (about 3% of a CPU step); q, k and v (B·T·C each) are what stays.
// The recomputed scores take q plus zero times one element of the incoming gradient: a free data dependency
// that keeps ONNX Runtime from merging them with the forward's (common-subexpression elimination) or computing
// them early, which would keep P alive after all.
//   forward:  P = maskedSoftmax(q·kᵀ, mask),  y = P·v
//   backward: dV = Pᵀ·dy,  dP = dy·vᵀ,  dS = P ∘ (dP − Σ_s dP∘P),  dq = dS·k,  dk = dSᵀ·q

import { dimEq, fmtShape } from '../dims';
import type { Value } from '../ir';
import { add, like, matmul, mul, reduceSum, sub, transpose } from '../ops';
import { defineOp, expectDType, expectInputs, expectSameDType, FLOAT_TYPES, GraphError } from '../registry';
import { defineGrad } from '../rules/rule';
import { maskedSoftmax } from './maskedSoftmax';

const swapLast = (x: Value) => transpose(x, [0, 1, 3, 2]);

function probabilities(q: Value, k: Value, mask: Value): Value {
  return maskedSoftmax(matmul(q, swapLast(k)), mask);
}

defineOp('MaskedAttention', {
  infer: (inputs) => {
    expectInputs(inputs, 4);
    const [q, k, v] = inputs as [Value, Value, Value, Value];
    const dtype = expectSameDType([q, k, v]);
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
    return [{ dtype, shape: [q.shape[0]!, q.shape[1]!, q.shape[2]!, v.shape[3]!] }];
  },
  lower: (_g, [q, k, v, mask]) => [matmul(probabilities(q!, k!, mask!), v!)],
});

defineGrad('MaskedAttention', ({ inputs: [q, k, v, mask], dy: [d] }) => {
  const D = d!;
  const corner = D.graph.op('Slice', [D], { starts: [0, 0, 0, 0], ends: [1, 1, 1, 1], axes: [0, 1, 2, 3] });
  const p = probabilities(add(q!, mul(like(D, 0), corner)), k!, mask!);
  const dV = matmul(swapLast(p), D);
  const dP = matmul(D, swapLast(v!));
  const dS = mul(p, sub(dP, reduceSum(mul(dP, p), [-1], true)));
  return [matmul(dS, k!), matmul(swapLast(dS), q!), dV, undefined];
});

/** softmax(q·kᵀ where mask, else the lowest value)·v over [B, H, T, D] queries and [B, H, S, D] keys/values. */
export function maskedAttention(q: Value, k: Value, v: Value, mask: Value): Value {
  return q.graph.op('MaskedAttention', [q, k, v, mask]);
}
