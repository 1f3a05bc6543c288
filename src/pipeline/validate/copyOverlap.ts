// Rule copy_overlap: the explanation is rewritten from scratch, not stitched from the abstract's sentences.
import { overlapTokens } from './text';
import type { ValidationError, ValidationInput, ValidatorConfig } from './types';

export interface OverlapStats {
  /** Longest run of consecutive tokens that also occurs, in order, in the abstract. */
  longestRun: number;
  /** The run itself, for the message. */
  run: string[];
  /** Share of the explanation's token n-grams that occur in the abstract (0 when it has none). */
  ngramShare: number;
}

/**
 * Two measures, because copying has two shapes: one lifted sentence (a long shared run) and patchwork, many
 * medium-length phrases each short of the run limit (a high n-gram share).
 */
export function overlapStats(abstract: string, explanation: string, ngramSize: number): OverlapStats {
  const ids = new Map<string, number>();
  const toIds = (tokens: string[]): Int32Array => {
    const out = new Int32Array(tokens.length);
    tokens.forEach((t, i) => {
      let id = ids.get(t);
      if (id === undefined) {
        id = ids.size;
        ids.set(t, id);
      }
      out[i] = id;
    });
    return out;
  };
  const exTokens = overlapTokens(explanation);
  const ab = toIds(overlapTokens(abstract));
  const ex = toIds(exTokens);
  const positions = new Map<number, number[]>();
  ab.forEach((id, j) => {
    const list = positions.get(id);
    if (list) list.push(j + 1);
    else positions.set(id, [j + 1]);
  });

  // Longest common substring by dynamic programming over matching cells only: run[i][j] = run[i-1][j-1] + 1 where
  // ex[i] = ab[j]. Rows are reset through the cells they touched, so a pair costs its number of equal-token pairs
  // (a few thousand) instead of |ex|·|ab|. The n-gram share falls out of the same pass: the window ending at i
  // occurs in the abstract exactly when some run ending at i is at least n long.
  let prev = new Int32Array(ab.length + 1);
  let cur = new Int32Array(ab.length + 1);
  let prevTouched: number[] = [];
  let curTouched: number[] = [];
  let best = 0;
  let bestEnd = 0;
  let shared = 0;
  for (let i = 1; i <= ex.length; i++) {
    let rowBest = 0;
    for (const j of positions.get(ex[i - 1] ?? -1) ?? []) {
      const v = (prev[j - 1] ?? 0) + 1;
      cur[j] = v;
      curTouched.push(j);
      if (v > rowBest) rowBest = v;
    }
    if (rowBest > best) {
      best = rowBest;
      bestEnd = i;
    }
    if (i >= ngramSize && rowBest >= ngramSize) shared++;
    for (const j of prevTouched) prev[j] = 0;
    [prev, cur] = [cur, prev];
    [prevTouched, curTouched] = [curTouched, prevTouched];
    curTouched.length = 0;
  }
  const total = Math.max(0, ex.length - ngramSize + 1);
  return {
    longestRun: best,
    run: exTokens.slice(bestEnd - best, bestEnd),
    ngramShare: total === 0 ? 0 : shared / total,
  };
}

export function checkCopyOverlap(input: ValidationInput, config: ValidatorConfig): ValidationError[] {
  const { maxSharedRun, ngramSize, maxNgramShare } = config.copy;
  const stats = overlapStats(input.abstract, input.explanation, ngramSize);
  const errors: ValidationError[] = [];
  if (stats.longestRun > maxSharedRun) {
    errors.push({
      rule: 'copy_overlap',
      code: 'long_shared_run',
      message: `Copied from abstract: ${stats.longestRun}-word run "${stats.run.join(' ')}" (max ${maxSharedRun})`,
      details: { longestRun: stats.longestRun, run: stats.run.join(' '), maxSharedRun },
    });
  }
  if (stats.ngramShare > maxNgramShare) {
    const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
    errors.push({
      rule: 'copy_overlap',
      code: 'ngram_share',
      message: `Copied from abstract: ${pct(stats.ngramShare)} of ${ngramSize}-word sequences occur in it (max ${pct(maxNgramShare)})`,
      details: { ngramShare: stats.ngramShare, ngramSize, maxNgramShare },
    });
  }
  return errors;
}
