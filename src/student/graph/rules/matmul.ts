// Gradients of MatMul (batched, broadcasting batch dims) and Gemm. The common linear-layer case,
// activations [..., M, K] @ weight [K, N], flattens the batch so the weight gradient is one [K, N] Gemm
// instead of a per-batch product followed by a ReduceSum.

import type { Value } from '../ir';
import { gemm, matmul, reshape } from '../ops';
import { GraphError, intAttr } from '../registry';
import { sumToShape } from './broadcast';
import { defineGrad } from './rule';

/** Swaps the last two axes. */
function mT(x: Value): Value {
  const perm = [...x.shape.keys()];
  perm.splice(-2, 2, x.rank - 1, x.rank - 2);
  return x.graph.op('Transpose', [x], { perm });
}

/** Rows of a rank ≥ 2 tensor as a matrix: [..., K] → [prod(...), K]. */
function rows(x: Value): Value {
  return x.rank === 2 ? x : reshape(x, [-1, x.shape[x.rank - 1] as number]);
}

defineGrad('MatMul', ({ inputs: [a, b], dy: [d], needs }) => {
  const A = a!;
  const B = b!;
  const D = d!;
  let dA: Value | undefined;
  let dB: Value | undefined;
  if (needs[0]) dA = A.rank > 2 && B.rank === 2 ? matmul(D, mT(B)) : sumToShape(matmul(D, mT(B)), A.shape);
  if (needs[1]) {
    // Weight gradient: Aᵀ·D summed over every batch position, done as a single 2-D Gemm when B is 2-D.
    dB =
      B.rank === 2 && typeof A.shape[A.rank - 1] === 'number' && typeof D.shape[D.rank - 1] === 'number'
        ? gemm(rows(A), rows(D), { transA: true })
        : sumToShape(matmul(mT(A), D), B.shape);
  }
  return [dA, dB];
});

// Y = op(A)·op(B) + C with alpha = beta = 1 (the only form we emit).
defineGrad('Gemm', ({ node, inputs: [a, b, c], dy: [d], needs }) => {
  if ((node.attrs['alpha'] ?? 1) !== 1 || (node.attrs['beta'] ?? 1) !== 1) {
    throw new GraphError('Gemm gradient supports alpha = beta = 1 only');
  }
  const tA = intAttr(node.attrs, 'transA', 0) === 1;
  const tB = intAttr(node.attrs, 'transB', 0) === 1;
  const A = a!;
  const B = b!;
  const D = d!;
  const dA = !needs[0]
    ? undefined
    : tA
      ? gemm(B, D, { transA: tB, transB: true }) // Aᵀ = op(B)·Dᵀ-shaped: (D·op(B)ᵀ)ᵀ
      : gemm(D, B, { transB: !tB });
  const dB = !needs[1]
    ? undefined
    : tB
      ? gemm(D, A, { transA: true, transB: tA })
      : gemm(A, D, { transA: !tA });
  return [dA, dB, c && needs[2] ? sumToShape(D, c.shape) : undefined];
});
