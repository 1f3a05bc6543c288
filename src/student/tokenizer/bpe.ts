// Byte-pair merging of one pre-token in O(n log n) with a bounded word cache; knows ids, not files or text.

/** Pair keys pack two ids into one exact double, so the rank lookup is a single Map probe with no strings. */
const PAIR_STRIDE = 2 ** 21;
/** Largest token id a pair key can hold. Far above any GPT-2-style vocab (50257). */
export const MAX_TOKEN_ID = PAIR_STRIDE - 1;

export function pairKey(left: number, right: number): number {
  return left * PAIR_STRIDE + right;
}

/** Merge rules as ids: `ranks` maps pairKey(left, right) to a rank < MAX_MERGES; `results[rank]` is the merged id. */
export interface MergeTable {
  readonly ranks: ReadonlyMap<number, number>;
  readonly results: Int32Array;
}

// Heap entries pack (rank, position) so plain number comparison orders by rank, then leftmost position.
// rank * 2^32 + position stays an exact double for any string length V8 allows (< 2^30) and < 2^20 ranks.
const POS_STRIDE = 2 ** 32;
/** Most merge rules a table may hold (GPT-2 has 50,000). */
export const MAX_MERGES = 2 ** 20;

function heapPush(heap: number[], value: number): void {
  let i = heap.length;
  heap.push(value);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent]!;
    if (p <= value) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = value;
}

function heapPop(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  const n = heap.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    const right = child + 1;
    if (right < n && heap[right]! < heap[child]!) child = right;
    const c = heap[child]!;
    if (c >= last) break;
    heap[i] = c;
    i = child;
  }
  heap[i] = last;
  return top;
}

/**
 * Applies merges to a word given as initial (single-byte) ids and returns the final ids.
 *
 * GPT-2's reference loop rescans the whole word after every merge, which is quadratic in the word length and
 * hurts on long runs (a 10 kB line of `=` or digits without spaces). Here the word is a linked list and
 * candidate pairs sit in a min-heap ordered by (rank, position); entries made stale by a neighbouring merge are
 * dropped when popped by re-checking the pair's current rank. Popping the lowest rank at the leftmost position
 * merges occurrences of the best pair left to right, non-overlapping — the reference order — whenever each
 * merge's parts are made by earlier merges, as in every trained merges file. (HF tokenizers uses this same
 * order, so on hand-made, out-of-order merge lists we agree with HF.)
 */
export function mergeWord(initial: ArrayLike<number>, table: MergeTable): number[] {
  const n = initial.length;
  if (n < 2) return Array.from(initial);
  const { ranks, results } = table;
  const tok = Int32Array.from(initial);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const heap: number[] = [];
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
    if (i + 1 < n) {
      const r = ranks.get(pairKey(tok[i]!, tok[i + 1]!));
      if (r !== undefined) heapPush(heap, r * POS_STRIDE + i);
    }
  }
  // A dead node has tok = -1; only left nodes of a pair survive a merge, so positions stay stable.
  while (heap.length > 0) {
    const entry = heapPop(heap);
    const i = entry % POS_STRIDE;
    const rank = (entry - i) / POS_STRIDE;
    const left = tok[i]!;
    const j = next[i]!;
    if (left < 0 || j < 0) continue;
    if (ranks.get(pairKey(left, tok[j]!)) !== rank) continue;
    const merged = results[rank]!;
    tok[i] = merged;
    tok[j] = -1;
    const after = next[j]!;
    next[i] = after;
    if (after >= 0) prev[after] = i;
    const before = prev[i]!;
    if (before >= 0) {
      const r = ranks.get(pairKey(tok[before]!, merged));
      if (r !== undefined) heapPush(heap, r * POS_STRIDE + before);
    }
    if (after >= 0) {
      const r = ranks.get(pairKey(merged, tok[after]!));
      if (r !== undefined) heapPush(heap, r * POS_STRIDE + i);
    }
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]!) out.push(tok[i]!);
  return out;
}

/**
 * Turns pre-token strings into ids: UTF-8 bytes, byte ids, merges — memoized per piece, because prose repeats
 * its words and a cache hit skips all of it. The cache is FIFO-evicted at `cacheLimit` entries and skips very
 * long pieces, so memory stays bounded on adversarial input.
 */
export class PieceEncoder {
  private readonly cache = new Map<string, readonly number[]>();
  private readonly scratch: number[] = [];

  constructor(
    /** byteIds[b] is the id of the token that spells byte b alone. */
    private readonly byteIds: Int32Array,
    private readonly table: MergeTable,
    private readonly cacheLimit = 50_000,
    private readonly maxCachedPieceLength = 256,
  ) {}

  /** Appends the ids of `piece` to `out`. */
  encodeInto(piece: string, out: number[]): void {
    const hit = this.cache.get(piece);
    if (hit !== undefined) {
      for (const id of hit) out.push(id);
      return;
    }
    const ids = mergeWord(this.initialIds(piece), this.table);
    if (piece.length <= this.maxCachedPieceLength && this.cacheLimit > 0) {
      if (this.cache.size >= this.cacheLimit) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(piece, ids);
    }
    for (const id of ids) out.push(id);
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  clearCache(): void {
    this.cache.clear();
  }

  /**
   * UTF-8 encodes straight into byte ids, skipping a Buffer per piece. A lone surrogate becomes EF BF BD
   * (U+FFFD), exactly what TextEncoder (and so js-tiktoken) does with it.
   */
  private initialIds(piece: string): number[] {
    const ids = this.scratch;
    ids.length = 0;
    const b = this.byteIds;
    for (let k = 0; k < piece.length; k++) {
      let c = piece.charCodeAt(k);
      if (c < 0x80) {
        ids.push(b[c]!);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const lo = c <= 0xdbff && k + 1 < piece.length ? piece.charCodeAt(k + 1) : 0;
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          k++;
        } else {
          c = 0xfffd;
        }
      }
      if (c < 0x800) {
        ids.push(b[0xc0 | (c >> 6)]!, b[0x80 | (c & 0x3f)]!);
      } else if (c < 0x10000) {
        ids.push(b[0xe0 | (c >> 12)]!, b[0x80 | ((c >> 6) & 0x3f)]!, b[0x80 | (c & 0x3f)]!);
      } else {
        ids.push(
          b[0xf0 | (c >> 18)]!,
          b[0x80 | ((c >> 12) & 0x3f)]!,
          b[0x80 | ((c >> 6) & 0x3f)]!,
          b[0x80 | (c & 0x3f)]!,
        );
      }
    }
    return ids;
  }
}
