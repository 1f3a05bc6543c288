/**
 * Token length statistics of rows under a template, before any truncation: what maxSeqLen and maxNewTokens must
 * hold, and how many rows a given maxSeqLen would cut or reject.
 */
import type { SourcedRow } from './rows';
import type { PromptFormat } from './template';

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export interface LengthStats {
  /** Template + whole abstract. */
  prompt: Distribution;
  /** Target without EOS. */
  target: Distribution;
  /** prompt + target + EOS. */
  total: Distribution;
}

/** Nearest-rank percentile (an actual value of the data, no interpolation). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? 0 : sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? 0,
  };
}

export interface RowLengths {
  prompt: number;
  target: number;
  total: number;
}

export function rowLengths(
  format: PromptFormat,
  row: Pick<SourcedRow, 'abstract' | 'target_explanation'>,
): RowLengths {
  const prompt = format.fixedTokens + format.textIds(row.abstract).length;
  const target = format.textIds(row.target_explanation).length;
  return { prompt, target, total: prompt + target + 1 };
}

export function lengthStats(lengths: readonly RowLengths[]): LengthStats {
  return {
    prompt: distribution(lengths.map((l) => l.prompt)),
    target: distribution(lengths.map((l) => l.target)),
    total: distribution(lengths.map((l) => l.total)),
  };
}

/** Rows longer than `maxSeqLen` in all: those training would cut (or reject). */
export function overLength(lengths: readonly RowLengths[], maxSeqLen: number): number {
  return lengths.filter((l) => l.total > maxSeqLen).length;
}
