/**
 * ROUGE-L (Lin, 2004): the longest common subsequence of two word sequences, as precision (over the candidate),
 * recall (over the reference) and their F1. Words are the validators' overlap tokens (lower-cased letter/digit
 * runs, src/pipeline/validate/text.ts), which is also how Google's rouge_score tokenizes (lower case,
 * non-alphanumerics as spaces; no stemming here).
 */
import { overlapTokens } from '../../../pipeline/validate/text';

export interface RougeScore {
  precision: number;
  recall: number;
  f1: number;
}

/** Length of the longest common subsequence (two rolling rows: O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

export function rougeLTokens(candidate: readonly string[], reference: readonly string[]): RougeScore {
  const lcs = lcsLength(candidate, reference);
  if (lcs === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = lcs / candidate.length;
  const recall = lcs / reference.length;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

export function rougeL(candidate: string, reference: string): RougeScore {
  return rougeLTokens(overlapTokens(candidate), overlapTokens(reference));
}
