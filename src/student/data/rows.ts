/**
 * Reading a curated JSONL file for training: every row is checked before any tokenization, and every bad row is
 * named by its line number, all of them at once (fixing one, rerunning, finding the next wastes a user's time).
 * 'error' refuses the file; 'skip' trains without the bad rows and returns them as a report.
 */
import { readFileSync } from 'node:fs';
import { show } from '../../core/configFields';
import { describeError, MiniAstroError } from '../../core/errors';
import { decodeText } from '../../core/textDecoding';
import type { CuratedRow } from '../../pipeline/dataset/curated';

/** The fields training reads, and where the row came from (for messages). */
export interface SourcedRow extends Pick<CuratedRow, 'id' | 'title' | 'abstract' | 'target_explanation'> {
  /** 1-based line in the file. */
  line: number;
}

export interface BadRow {
  line: number;
  /** The row's id when it had a readable one. */
  id: string | null;
  reason: string;
}

export interface RowsResult {
  file: string;
  rows: SourcedRow[];
  bad: BadRow[];
}

export type OnBadRow = 'error' | 'skip';

/** Bad rows listed in an error message; the rest are counted. */
const MAX_LISTED = 10;

function brief(v: unknown): string {
  const s = show(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function checkRow(value: unknown, line: number): SourcedRow | { reason: string; id: string | null } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reason: `expected a JSON object; got ${brief(value)}`, id: null };
  }
  const row = value as Record<string, unknown>;
  const id = typeof row['id'] === 'string' && row['id'].trim() !== '' ? row['id'] : null;
  const problems: string[] = [];
  if (id === null) problems.push(`id: expected a non-empty string; got ${brief(row['id'])}`);
  for (const key of ['abstract', 'target_explanation'] as const) {
    const v = row[key];
    if (typeof v !== 'string' || v.trim() === '')
      problems.push(`${key}: expected a non-empty string; got ${brief(v)}`);
  }
  const title = row['title'];
  if (title !== undefined && typeof title !== 'string')
    problems.push(`title: expected a string; got ${brief(title)}`);
  // Rejected rows belong in the database, not in a training file: their presence means a wrong export.
  if (row['accepted'] !== true) problems.push(`accepted: expected true; got ${brief(row['accepted'])}`);
  if (problems.length > 0) return { reason: problems.join('; '), id };
  return {
    id: id as string,
    title: typeof title === 'string' ? title : '',
    abstract: row['abstract'] as string,
    target_explanation: row['target_explanation'] as string,
    line,
  };
}

/** Checks the rows of JSONL `text`; `file` only names it in messages. */
export function parseCuratedJsonl(text: string, file: string, onBadRow: OnBadRow): RowsResult {
  const rows: SourcedRow[] = [];
  const bad: BadRow[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      bad.push({ line, id: null, reason: `not valid JSON: ${describeError(error)}` });
      return;
    }
    const checked = checkRow(value, line);
    if ('reason' in checked) {
      bad.push({ line, id: checked.id, reason: checked.reason });
      return;
    }
    // A repeated id would weigh one paper twice, and usually means two exports were concatenated.
    const seen = firstLine.get(checked.id);
    if (seen !== undefined) {
      bad.push({ line, id: checked.id, reason: `duplicate id ${checked.id} (first on line ${seen})` });
      return;
    }
    firstLine.set(checked.id, line);
    rows.push(checked);
  });
  if (onBadRow === 'error' && bad.length > 0) {
    const listed = bad.slice(0, MAX_LISTED).map((b) => `  line ${b.line}: ${b.reason}`);
    if (bad.length > MAX_LISTED) listed.push(`  ... and ${bad.length - MAX_LISTED} more`);
    throw new MiniAstroError(
      'badInput',
      `${file}: ${bad.length} bad row(s):\n${listed.join('\n')}`,
      'Fix or remove these rows (or re-export with `miniastrolm export`), or set data.onBadRow: skip to train ' +
        'without them.',
    );
  }
  if (rows.length === 0) {
    throw new MiniAstroError(
      'badInput',
      `${file}: no usable rows.`,
      'Export accepted rows with `miniastrolm export`.',
    );
  }
  return { file, rows, bad };
}

export function readCuratedJsonl(file: string, onBadRow: OnBadRow): RowsResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `Cannot read ${file}: ${describeError(error)}`,
      'Check data.trainFile / data.evalFile in the training config.',
    );
  }
  return parseCuratedJsonl(decodeText(bytes, file), file, onBadRow);
}
