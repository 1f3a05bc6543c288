// Causal attention in query blocks, so a training step skips most of the masked half of every T × T product.
// Design goal: attention's work, not its memory. Full causal attention multiplies all T × T scores and then masks
// the upper triangle away; cutting the queries into n blocks of Tb = T/n rows, block i attends only keys
// [0, (i+1)·Tb), so q·kᵀ, P·v, the softmax and all four backward products do (n+1)/(2n) of the work: 3/4 with 2
// blocks, 5/8 with 4. Each block is an ordinary MaskedAttention over a key prefix, with its own [Tb, (i+1)·Tb]
// bias (zeros, then a causal Tb × Tb corner), so the probabilities are the same numbers full attention gives: the
// skipped columns were exactly 0 there. Only the key and value gradients become sums of per-block parts, which can
// change float rounding in their last bits.
// The sequence axis must be a provable multiple of n: a graph with blocks declares it 'n*Tb' (loss.ts).

import { maskedAttention } from './composites/attention';
import { maskBias } from './composites/maskedSoftmax';
import type { DType, Value } from './ir';
import * as o from './ops';
import { GraphError } from './registry';

/** The symbol for tokens per block, and the sequence dim of a graph whose attention runs in `blocks` blocks. */
export const BLOCK_SYMBOL = 'Tb';

export function blockedSeqDim(blocks: number): string {
  if (!Number.isInteger(blocks) || blocks < 1)
    throw new GraphError(`attention blocks must be ≥ 1, got ${blocks}`);
  return blocks === 1 ? 'T' : `${blocks}*${BLOCK_SYMBOL}`;
}

/**
 * One additive bias per query block for positions [0, T) (`positions`, int64 [T]): block i's rows are positions
 * [i·Tb, (i+1)·Tb) and its columns the keys [0, (i+1)·Tb).
 */
export function causalBlockBiases(positions: Value, blocks: number, dtype: DType): Value[] {
  const rows = o.splitEqual(positions, 0, blocks);
  return rows.map((r, i) => {
    const keys = o.concat(rows.slice(0, i + 1), 0);
    return maskBias(o.greaterOrEqual(o.unsqueeze(r, [1]), o.unsqueeze(keys, [0])), dtype);
  });
}

/**
 * softmax(q·kᵀ + causal mask)·v for q, k, v [B, H, T, D], one MaskedAttention per query block over its key
 * prefix; `biases` from causalBlockBiases. `store` keeps each block's probabilities for the backward pass.
 */
export function blockedCausalAttention(
  q: Value,
  k: Value,
  v: Value,
  biases: readonly Value[],
  store: boolean,
): Value {
  const n = biases.length;
  if (n === 1) return maskedAttention(q, k, v, biases[0]!, store);
  const qs = o.splitEqual(q, 2, n);
  const ks = o.splitEqual(k, 2, n);
  const vs = o.splitEqual(v, 2, n);
  // The last block sees every key: the whole k and v, not a concatenation of their parts (one copy fewer).
  const prefix = (parts: Value[], whole: Value, i: number) =>
    i === n - 1 ? whole : o.concat(parts.slice(0, i + 1), 2);
  const ys = qs.map((qi, i) => maskedAttention(qi, prefix(ks, k, i), prefix(vs, v, i), biases[i]!, store));
  return o.concat(ys, 2);
}
