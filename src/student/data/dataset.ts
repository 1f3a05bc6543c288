/**
 * The whole path from a curated JSONL file to training examples, with one report of everything left out (bad
 * rows, rows too long), so the trainer and the CLI show the same numbers.
 */
import type { TrainConfig } from '../config/trainConfig';
import { buildExamples, type Example, type ExampleOptions, type RejectedExample } from './examples';
import type { OrderOptions } from './order';
import { type BadRow, type OnBadRow, readCuratedJsonl } from './rows';
import type { PromptFormat } from './template';

export interface LoadedExamples {
  file: string;
  examples: Example[];
  /** Rows that failed validation ('skip' only; 'error' throws). */
  badRows: BadRow[];
  /** Rows too long to fit ('skip' only). */
  tooLong: RejectedExample[];
  /** Examples whose abstract was cut. */
  truncated: number;
}

export function loadExamples(
  file: string,
  format: PromptFormat,
  options: ExampleOptions & { onBadRow: OnBadRow },
): LoadedExamples {
  const rows = readCuratedJsonl(file, options.onBadRow);
  const built = buildExamples(format, rows.rows, options);
  return {
    file,
    examples: built.examples,
    badRows: rows.bad,
    tooLong: built.rejected,
    truncated: built.truncated,
  };
}

/** The training config's data settings, as the options of loadExamples and BatchLoader. */
export function dataOptionsFrom(config: TrainConfig): {
  examples: ExampleOptions & { onBadRow: OnBadRow };
  train: OrderOptions;
  eval: OrderOptions;
} {
  const { data } = config;
  const train: OrderOptions = {
    batchSize: config.batchSize,
    seed: config.seed,
    padToMultipleOf: data.padToMultipleOf,
    maxSeqLen: data.maxSeqLen,
    lengthBucketing: data.lengthBucketing,
  };
  return {
    examples: {
      maxSeqLen: data.maxSeqLen,
      minAbstractTokens: data.truncation.minAbstractTokens,
      onTooLong: data.truncation.onTooLong,
      superviseEos: data.superviseEos,
      onBadRow: data.onBadRow,
    },
    train,
    // Evaluation reads the file in order: the same batches every time, so eval losses compare across steps.
    eval: { ...train, shuffle: false, lengthBucketing: { enabled: false, windowBatches: 1 } },
  };
}
