/**
 * `--dump-batches OUT.jsonl`: exactly what the trainer feeds the model, one example per line in training order,
 * `{"input_ids": [...], "labels": [...]}` in HF's convention (labels aligned with input_ids, -100 ignored, the model
 * shifts). Padding is left out: it adds nothing to the loss. With these lines anyone can recompute our loss in
 * another framework: right-pad a batch of lines (labels with -100, attention 0), then in PyTorch
 * `GPT2LMHeadModel(...)(input_ids=ids, attention_mask=mask, labels=labels).loss` is the mean over the batch's
 * supervised tokens.
 *
 * Lines come batch after batch; each batch holds batchSize lines except an epoch's one short batch (its last,
 * or anywhere with length bucketing).
 */
import { readFileSync } from 'node:fs';
import { writeAll, writeOutputFileAtomic } from '../../core/atomicFile';
import { MiniAstroError } from '../../core/errors';
import { type Batch, batchRow } from './collator';

export interface DumpLine {
  input_ids: number[];
  labels: number[];
}

export function dumpLine(inputIds: ArrayLike<number>, labels: ArrayLike<number>): string {
  const line: DumpLine = { input_ids: Array.from(inputIds), labels: Array.from(labels) };
  return JSON.stringify(line);
}

export interface DumpResult {
  file: string;
  batches: number;
  examples: number;
  supervisedTokens: number;
}

/** Writes every row of `batches`; temp file + rename, so a reader never sees half a dump. */
export function writeBatchDump(file: string, batches: Iterable<Batch>): DumpResult {
  const result: DumpResult = { file, batches: 0, examples: 0, supervisedTokens: 0 };
  writeOutputFileAtomic(file, '--dump-batches', (fd) => {
    for (const batch of batches) {
      for (let row = 0; row < batch.batchSize; row++) {
        const { inputIds, labels } = batchRow(batch, row);
        writeAll(fd, Buffer.from(`${dumpLine(inputIds, labels)}\n`, 'utf8'));
        result.examples++;
      }
      result.batches++;
      result.supervisedTokens += batch.supervisedTokens;
    }
  });
  return result;
}

/** Reads a dump back (tests, tools); lines that are not `{input_ids, labels}` integer lists are an error. */
export function readBatchDump(file: string): DumpLine[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: DumpLine[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const value = JSON.parse(raw) as Partial<DumpLine>;
    const ok = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));
    if (!ok(value.input_ids) || !ok(value.labels) || value.input_ids.length !== value.labels.length) {
      throw new MiniAstroError(
        'badInput',
        `${file}:${i + 1}: expected {"input_ids": [...], "labels": [...]} of equal length`,
        'Write the file with --dump-batches.',
      );
    }
    out.push({ input_ids: value.input_ids, labels: value.labels });
  });
  return out;
}
