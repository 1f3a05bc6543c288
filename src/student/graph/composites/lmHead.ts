// The tied LM head's log-partition, logsumexp_v(h·w_v), computed over vocabulary chunks so the [N, V] logits
// never exist at once: at GPT-2 124M with 2×1024 tokens the spike's naive graph peaked at 12.6 GiB.
// Forward: per chunk k, l_k = h·w_kᵀ [N, V/K] → a per-row logsumexp [N, 1]; partials combine stably.
// Backward (a second composite): per chunk, l_k is recomputed from h and w_k (one extra GEMM, not stored),
// p_k = exp(l_k - lse)·dlse, dh += p_k·w_k, dw_k = p_kᵀ·h. With `store` the forward keeps every l_k (outputs
// after lse) and the backward reads them instead: V·4 bytes a token (411 MB at 2046 tokens) for one GEMM of the
// three a chunk's gradient costs (GPT-2 124M, 2 × 1024 tokens, 2 cores: 9.0 → 8.6 s a step).
// Independent chunks let ONNX Runtime's scheduler keep many chunks' buffers alive at once (N = 2046,
// V = 50257, loss+grad peak RSS: 1 chunk 1468 MiB; 24 chunks 739 MiB). So each chunk's GEMM takes a [1, 1]
// bias equal to zero times one element of the previous chunk's results (chunkGemm): a free data dependency
// that makes chunk k+1 start only after chunk k is reduced (24 chunks: 291 MiB). A forward that keeps its chunks
// needs no order (each [N, V/K] bias pass costs ~8% of the GEMM); its backward is ordered through the [N, 1] lse
// column instead of a Gemm bias.
// The target-logit term of the cross-entropy is not here: it is a plain gather in the loss (loss.ts).

import { dimEq, fmtShape } from '../dims';
import type { Value } from '../ir';
import {
  add,
  concat,
  exp,
  gemm,
  like,
  log,
  mul,
  reduceMax,
  reduceSum,
  slice,
  squeeze,
  sub,
  unsqueeze,
} from '../ops';
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

/** Near-equal [start, end) row ranges covering `rows` in `chunks` pieces (first ones one row longer). */
export function chunkRanges(rows: number, chunks: number): [number, number][] {
  const k = Math.max(1, Math.min(chunks, rows));
  const base = Math.floor(rows / k);
  const extra = rows % k;
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const end = start + base + (i < extra ? 1 : 0);
    out.push([start, end]);
    start = end;
  }
  return out;
}

function checkHead(h: Value, w: Value): number {
  expectDType(h, FLOAT_TYPES, 'LM head input');
  expectSameDType([h, w]);
  if (h.rank !== 2 || w.rank !== 2 || !dimEq(h.shape[1]!, w.shape[1]!)) {
    throw new GraphError(
      `LM head needs h [N, C] and w [V, C], got ${fmtShape(h.shape)} and ${fmtShape(w.shape)}`,
    );
  }
  const v = w.shape[0];
  if (typeof v !== 'number') throw new GraphError('LM head vocabulary size must be static');
  return v;
}

function weightChunks(w: Value, vocab: number, chunks: number): Value[] {
  const ranges = chunkRanges(vocab, chunks);
  return ranges.length === 1 ? [w] : ranges.map(([s, e]) => slice(w, 0, s, e));
}

/** [1, 1]: 0 × (the sum of each value's first element), a free data dependency on `after`. */
function zeroAfter(like0: Value, after: readonly Value[]): Value {
  const corner = (d: Value) => d.graph.op('Slice', [d], { starts: [0, 0], ends: [1, 1], axes: [0, 1] });
  return mul(
    like(like0, 0),
    after.map(corner).reduce((a, b) => add(a, b)),
  );
}

/**
 * h·w_kᵀ, ordered after `after` (the previous chunk's results): Gemm's bias input C is 0·after[0,0] summed,
 * broadcast over [N, V_k], so the values are unchanged and the chunk cannot be scheduled early.
 */
function chunkGemm(h: Value, wk: Value, after: readonly Value[]): Value {
  if (after.length === 0) return gemm(h, wk, { transB: true });
  return h.graph.op('Gemm', [h, wk, zeroAfter(h, after)], { transA: 0, transB: 1 });
}

/** Stable logsumexp along axis 1 of [N, K], keeping the axis. */
function logSumExpRows(x: Value): Value {
  const m = reduceMax(x, [1]);
  return add(m, log(reduceSum(exp(sub(x, m)), [1])));
}

defineOp('ChunkedLogSumExp', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 2);
    const [h, w] = inputs as [Value, Value];
    const vocab = checkHead(h, w);
    const lse = { dtype: h.dtype, shape: [h.shape[0]!] };
    if (intAttr(attrs, 'store', 0) === 0) return [lse];
    const logits = chunkRanges(vocab, intAttr(attrs, 'chunks')).map(([s, e]) => ({
      dtype: h.dtype,
      shape: [h.shape[0]!, e - s],
    }));
    return [lse, ...logits];
  },
  lower: (_g, [h, w], attrs) => {
    const vocab = checkHead(h!, w!);
    const store = intAttr(attrs, 'store', 0) !== 0;
    const logits: Value[] = [];
    const partial: Value[] = [];
    for (const wk of weightChunks(w!, vocab, intAttr(attrs, 'chunks'))) {
      const lk = store ? gemm(h!, wk, { transB: true }) : chunkGemm(h!, wk, partial.slice(-1));
      if (store) logits.push(lk);
      partial.push(logSumExpRows(lk));
    }
    const lse = partial.length === 1 ? partial[0]! : logSumExpRows(concat(partial, 1));
    return [squeeze(lse, [1]), ...logits];
  },
});

defineOp('ChunkedLogSumExpGrad', {
  infer: (inputs, attrs) => {
    const [h, w] = inputs as [Value, Value];
    const vocab = checkHead(h, w);
    const stored = chunkRanges(vocab, intAttr(attrs, 'chunks')).length;
    if (inputs.length !== 4 && inputs.length !== 4 + stored) {
      throw new GraphError(
        `ChunkedLogSumExpGrad takes h, w, lse, dlse and optionally the ${stored} stored logit chunks; got ${inputs.length} inputs`,
      );
    }
    return [
      { dtype: h.dtype, shape: h.shape },
      { dtype: w.dtype, shape: w.shape },
    ];
  },
  lower: (_g, [h, w, lse, dlse, ...stored], attrs) => {
    const vocab = checkHead(h!, w!);
    const lseCol = unsqueeze(lse!, [1]);
    const dCol = unsqueeze(dlse!, [1]);
    let dh: Value | undefined;
    const dw: Value[] = [];
    for (const [k, wk] of weightChunks(w!, vocab, intAttr(attrs, 'chunks')).entries()) {
      const after = dh ? [dh, dw.at(-1)!] : [];
      const shifted =
        stored.length === 0
          ? sub(chunkGemm(h!, wk, after), lseCol)
          : sub(stored[k]!, after.length === 0 ? lseCol : add(lseCol, zeroAfter(lseCol, after)));
      const p = mul(exp(shifted), dCol);
      const dhk = gemm(p, wk);
      dh = dh ? add(dh, dhk) : dhk;
      dw.push(gemm(p, h!, { transA: true }));
    }
    return [dh!, concat(dw, 0)];
  },
});

defineGrad('ChunkedLogSumExp', ({ node, inputs: [h, w], outputs: [lse, ...logits], dy: [d], needs }) => {
  const [dh, dw] = h!.graph.opMulti('ChunkedLogSumExpGrad', [h!, w!, lse!, d!, ...logits], {
    chunks: node.attrs['chunks']!,
  });
  return [needs[0] ? dh : undefined, needs[1] ? dw : undefined];
});

/**
 * logsumexp over the vocabulary of h·wᵀ for h [N, C], w [V, C], in `chunks` vocabulary slices → [N]; `store`
 * keeps the chunks' logits for the backward pass instead of recomputing them (same values, bit for bit).
 */
export function chunkedLogSumExp(h: Value, w: Value, chunks: number, store = false): Value {
  if (!store) return h.graph.op('ChunkedLogSumExp', [h, w], { chunks });
  return h.graph.opMulti('ChunkedLogSumExp', [h, w], { chunks, store: 1 })[0]!;
}
