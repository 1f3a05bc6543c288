/**
 * One imported record (a JSON object, or an entry of a saved Atom feed) to a Paper, or the reason it cannot be
 * one. What a record needs is checked here, the same way for every format: an arXiv id written as a string, a
 * title, a non-empty abstract under the configured size, and dates that are dates.
 */
import { parseArxivId } from '../arxiv/ids';
import { normalizeWhitespace } from '../arxiv/text';
import type { Paper } from '../arxiv/types';

export interface ImportLimits {
  /** Longer abstracts are refused: a pasted full text or a broken record (configs/pipeline.yaml ingest:). */
  maxAbstractChars: number;
}

export const defaultImportLimits: ImportLimits = { maxAbstractChars: 20_000 };

function stringField(record: Record<string, unknown>, ...names: string[]): string | null {
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return null;
}

function stringList(value: unknown, separator: RegExp): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((v) => {
      if (typeof v === 'string') return [normalizeWhitespace(v)];
      if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') {
        return [normalizeWhitespace((v as { name: string }).name)];
      }
      return [];
    });
  }
  if (typeof value === 'string')
    return value
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean);
  return [];
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** True for an ISO 8601 date or date-time that exists on the calendar ("2025-01-31", "2025-01-31T18:00:00Z"). */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return false;
  return m[4] === undefined || (Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6] ?? 0) < 60);
}

/** The reason a date field is unusable, or null. */
function badDate(paper: Paper, field: 'published' | 'updated'): string | null {
  const value = paper[field];
  if (value === null || isIsoDate(value)) return null;
  return (
    `${paper.id}: "${field}" ${JSON.stringify(value.slice(0, 40))} is not a date ` +
    '(expected ISO 8601, such as 2025-01-31 or 2025-01-31T18:00:00Z)'
  );
}

/** The checks every record passes, whatever its format; the reason it fails, or null. */
export function paperProblem(paper: Paper, limits: ImportLimits): string | null {
  if (paper.title.trim() === '') return `${paper.id}: empty title`;
  if (paper.abstract.trim() === '') return `${paper.id}: empty abstract: nothing to explain`;
  if (paper.abstract.length > limits.maxAbstractChars) {
    return (
      `${paper.id}: abstract of ${paper.abstract.length.toLocaleString('en-US')} characters is over the limit of ` +
      `${limits.maxAbstractChars.toLocaleString('en-US')} (ingest.maxAbstractChars in configs/pipeline.yaml): a ` +
      'full text or a broken record?'
    );
  }
  return badDate(paper, 'published') ?? badDate(paper, 'updated');
}

/** A Paper from one JSON record, or the reason the record cannot be one. */
export function recordToPaper(value: unknown, limits: ImportLimits = defaultImportLimits): Paper | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const rawId = stringField(record, 'id', 'arxiv_id', 'arxivId');
  if (!rawId) {
    const numeric = ['id', 'arxiv_id', 'arxivId'].find((k) => typeof record[k] === 'number');
    // 2501.01230 as a JSON number is 2501.0123: the trailing zero, and so the paper, is lost.
    return numeric
      ? `"${numeric}" is the number ${String(record[numeric])}; arXiv ids must be JSON strings ` +
          `("${String(record[numeric])}"), since a number drops trailing zeros`
      : 'missing "id"';
  }
  let id: { id: string; version: number | null };
  try {
    id = parseArxivId(rawId);
  } catch {
    return `"${rawId.slice(0, 60)}" is not an arXiv identifier`;
  }
  const title = stringField(record, 'title');
  if (!title) return `${id.id}: missing "title"`;
  const abstract = stringField(record, 'abstract', 'summary');
  if (!abstract) return `${id.id}: missing "abstract" (or "summary")`;
  const categories = [...new Set(stringList(record['categories'], /[\s,]+/))];
  const primary = stringField(record, 'primary_category', 'primaryCategory') ?? categories[0] ?? null;
  if (primary && !categories.includes(primary)) categories.unshift(primary);
  const paper: Paper = {
    id: id.id,
    version: id.version,
    title: normalizeWhitespace(title),
    abstract: normalizeWhitespace(abstract),
    authors: stringList(record['authors'], /\s*,\s*|\s+and\s+/),
    categories,
    primaryCategory: primary,
    published: stringField(record, 'published', 'created'),
    updated: stringField(record, 'updated') ?? stringField(record, 'published', 'created'),
    doi: stringField(record, 'doi'),
    journalRef: stringField(record, 'journal_ref', 'journalRef'),
    comment: stringField(record, 'comment', 'comments'),
  };
  return paperProblem(paper, limits) ?? paper;
}
