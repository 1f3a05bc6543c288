/**
 * The rows experiments and the scorecard read, whatever wrote them: curated JSONL ({id, abstract,
 * target_explanation}), explanation rows ({id, abstract, explanation, target_explanation?}), and the original
 * study's files ({id, title, input, output}, where `output` is the teacher's {explanation, ...} object in its
 * training set and the model's text in its baseline outputs). One reader, one shape out, every bad line named.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { show } from '../../core/configFields';
import { describeError, MiniAstroError } from '../../core/errors';

export interface LabRow {
  id: string;
  title: string;
  abstract: string;
  /** The teacher's explanation, when the file has one. */
  target: string | null;
  /** An explanation already written by some model (`eval --outputs`), when the file has one. */
  explanation: string | null;
  /** Whether that explanation ended with EOS, when the file says so (`ended_with_eos` / `stop`). */
  endedWithEos: boolean | null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/** One parsed JSON line → a LabRow, or why not. */
export function labRowFrom(value: unknown): LabRow | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected a JSON object; got ${show(value).slice(0, 60)}`;
  }
  const r = value as Record<string, unknown>;
  const id = typeof r['id'] === 'string' || typeof r['id'] === 'number' ? String(r['id']) : null;
  const abstract = text(r['abstract']) ?? text(r['input']);
  if (id === null || id.trim() === '') return 'no id';
  if (abstract === null) return 'no abstract (expected "abstract" or "input")';
  const output = r['output'];
  // The original study: a string output is what a model wrote; an object is the teacher's accepted answer.
  const outputText = text(output);
  const teacher =
    typeof output === 'object' && output !== null
      ? text((output as Record<string, unknown>)['explanation'])
      : null;
  const stop = r['stop'];
  const eos = r['ended_with_eos'];
  return {
    id,
    title: text(r['title']) ?? '',
    abstract,
    target: text(r['target_explanation']) ?? teacher,
    explanation: text(r['explanation']) ?? outputText,
    endedWithEos: typeof eos === 'boolean' ? eos : typeof stop === 'string' ? stop === 'eos' : null,
  };
}

/** Every row of a JSONL file; bad lines are an error listing them all (a scorecard on a partial file misleads). */
export function readLabRows(file: string): LabRow[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MiniAstroError('badInput', `Cannot read ${file}: ${describeError(error)}`, 'Check the path.');
  }
  const rows: LabRow[] = [];
  const bad: string[] = [];
  content
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      if (raw.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (error) {
        bad.push(`line ${i + 1}: not valid JSON (${describeError(error)})`);
        return;
      }
      const row = labRowFrom(parsed);
      if (typeof row === 'string') bad.push(`line ${i + 1}: ${row}`);
      else rows.push(row);
    });
  if (bad.length > 0) {
    const listed = bad.slice(0, 10).join('\n  ');
    throw new MiniAstroError(
      'badInput',
      `${file}: ${bad.length} bad row(s):\n  ${listed}${bad.length > 10 ? `\n  ... and ${bad.length - 10} more` : ''}`,
      'Each line must be a JSON object with an id and an abstract (or the original study\'s "input").',
    );
  }
  if (rows.length === 0)
    throw new MiniAstroError('badInput', `${file}: no rows.`, 'Pass a JSONL file with rows.');
  return rows;
}

/** The first `count` rows that have a teacher's explanation, for training; fewer is an error naming the file. */
export function trainingRows(rows: readonly LabRow[], count: number, file: string): LabRow[] {
  const usable = rows.filter((r) => r.target !== null);
  if (usable.length < count) {
    throw new MiniAstroError(
      'badInput',
      `${file} has ${usable.length} row(s) with a teacher's explanation; this experiment needs ${count}.`,
      "Pass --data with more rows (curated JSONL, or the original study's train.jsonl), or lower the row count " +
        'in the experiments config.',
    );
  }
  return usable.slice(0, count);
}

/** Rows as the curated JSONL the trainer reads (accepted: true; ids kept). */
export function writeCuratedRows(file: string, rows: readonly LabRow[]): void {
  const lines = rows.map((r) =>
    JSON.stringify({
      id: r.id,
      title: r.title,
      abstract: r.abstract,
      target_explanation: r.target,
      judge_feedback: null,
      accepted: true,
    }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
}
