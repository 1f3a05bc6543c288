/**
 * Design goal: numbers for the "repetition collapse" research question — does greedy decoding of the student
 * fall into loops, how much, and where — measured the same way on words (what a reader sees) and on model
 * tokens (what the decoder chose), so runs and checkpoints can be compared on one scale.
 *
 * - repeatedNgramShare: share of the sequence's n-gram windows that repeat an earlier window, i.e. seq-rep-n
 *   of Welleck et al. (2019), 1 − distinct n-grams / n-grams; 0 for no repetition, near 1 for a loop;
 * - longestRepeat: the longest run of tokens that occurs twice (occurrences may overlap, so a loop of period p
 *   over L tokens gives L − p);
 * - repeatedSpans: the windows (of at least `minSpan` tokens) that repeat an earlier stretch, merged, for
 *   underlining the second and later occurrences.
 */

export interface RepetitionStats {
  readonly tokens: number;
  readonly ngramSize: number;
  /** 0 when the sequence is shorter than one n-gram. */
  readonly repeatedNgramShare: number;
  readonly distinctTokenShare: number;
  /** Length 0 when nothing repeats; `first` < `second` are start indices of two occurrences. */
  readonly longestRepeat: { readonly length: number; readonly first: number; readonly second: number };
}

export type Sym = string | number;

function ids(tokens: readonly Sym[]): Int32Array {
  const table = new Map<Sym, number>();
  return Int32Array.from(tokens, (t) => {
    let id = table.get(t);
    if (id === undefined) {
      id = table.size;
      table.set(t, id);
    }
    return id;
  });
}

/** For each position j, the length of the longest run ending at j that also ends at some earlier i < j. */
function repeatRunsEnding(tokens: readonly Sym[]): { run: Int32Array; earlier: Int32Array } {
  const x = ids(tokens);
  const n = x.length;
  const run = new Int32Array(n);
  const earlier = new Int32Array(n).fill(-1);
  // lcs[i][j] (i < j) = lcs[i-1][j-1] + 1 when x[i] = x[j]: rolling over j, one row of i per step.
  let prev = new Int32Array(n);
  let cur = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < j; i++) {
      const v = x[i] === x[j] ? (i > 0 ? prev[i - 1]! : 0) + 1 : 0;
      cur[i] = v;
      if (v > run[j]!) {
        run[j] = v;
        earlier[j] = i;
      }
    }
    [prev, cur] = [cur, prev];
    cur.fill(0);
  }
  return { run, earlier };
}

export function repetitionStats(tokens: readonly Sym[], ngramSize = 4): RepetitionStats {
  const n = tokens.length;
  const windows = Math.max(0, n - ngramSize + 1);
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i < windows; i++) {
    const key = tokens.slice(i, i + ngramSize).join('\u0001');
    if (seen.has(key)) repeated++;
    else seen.add(key);
  }
  const { run, earlier } = repeatRunsEnding(tokens);
  let best = 0;
  let bestEnd = -1;
  for (let j = 0; j < n; j++) {
    if (run[j]! > best) {
      best = run[j]!;
      bestEnd = j;
    }
  }
  return {
    tokens: n,
    ngramSize,
    repeatedNgramShare: windows === 0 ? 0 : repeated / windows,
    distinctTokenShare: n === 0 ? 1 : new Set(tokens).size / n,
    longestRepeat:
      best === 0
        ? { length: 0, first: -1, second: -1 }
        : { length: best, first: earlier[bestEnd]! - best + 1, second: bestEnd - best + 1 },
  };
}

/**
 * Index ranges [start, end) of tokens that repeat an earlier stretch of at least `minSpan` tokens, merged. The
 * first occurrence is not included: it is the repetition that is the defect.
 */
export function repeatedSpans(
  tokens: readonly Sym[],
  minSpan: number,
): { start: number; end: number; length: number }[] {
  const { run } = repeatRunsEnding(tokens);
  const spans: { start: number; end: number; length: number }[] = [];
  for (let j = 0; j < tokens.length; j++) {
    const L = run[j]!;
    if (L < minSpan) continue;
    const start = j - L + 1;
    const last = spans[spans.length - 1];
    if (last && start <= last.end) {
      last.end = Math.max(last.end, j + 1);
      last.length = Math.max(last.length, L);
    } else spans.push({ start, end: j + 1, length: L });
  }
  return spans;
}
