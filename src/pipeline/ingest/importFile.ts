/**
 * Import of abstract files we did not fetch ourselves: JSON Lines or a JSON array of records
 * `{id, title, abstract|summary, categories, authors?, published?, updated?}` (the arXiv-API dumps other tools
 * write), or a saved arXiv API Atom response. A bad record is reported by line and skipped; a file that cannot be
 * read at all changes nothing.
 */
import { readFileSync } from 'node:fs';
import { type Clock, isoNow } from '../../core/clock';
import { describeError, MiniAstroError } from '../../core/errors';
import { parseAtomFeed } from '../arxiv/atom';
import { parseArxivId } from '../arxiv/ids';
import { normalizeWhitespace } from '../arxiv/text';
import type { Paper } from '../arxiv/types';
import type { Db } from '../store/database';
import { PaperStore } from '../store/papers';
import { type IngestEventSink, ignoreEvents } from './events';

export interface ImportResult {
  imported: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** The first few problems, by line (JSONL) or record index (JSON array). */
  problems: { line: number; reason: string }[];
  format: 'jsonl' | 'json' | 'atom';
}

interface SourceRecord {
  line: number;
  value: unknown;
}

const maxProblemsKept = 20;
const recordsPerTransaction = 1000;

export function importAbstractsFile(
  file: string,
  deps: { db: Db; clock: Clock; onEvent?: IngestEventSink },
): ImportResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MiniAstroError('badInput', `Cannot read ${file}: ${describeError(error)}`, 'Check the path.');
  }
  return importAbstractsText(text, file, deps);
}

export function importAbstractsText(
  text: string,
  file: string,
  deps: { db: Db; clock: Clock; onEvent?: IngestEventSink },
): ImportResult {
  const onEvent = deps.onEvent ?? ignoreEvents;
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  const problems: ImportResult['problems'] = [];
  let skipped = 0;
  const skip = (line: number, reason: string) => {
    skipped++;
    if (problems.length < maxProblemsKept) problems.push({ line, reason });
    onEvent({ type: 'skipped', line, reason });
  };

  let format: ImportResult['format'];
  let papers: Paper[];
  if (trimmed.startsWith('<')) {
    format = 'atom';
    papers = parseAtomFeed(trimmed, { url: file }).entries;
  } else {
    const records = trimmed.startsWith('[') ? jsonArrayRecords(trimmed, file) : jsonLinesRecords(text, skip);
    format = trimmed.startsWith('[') ? 'json' : 'jsonl';
    papers = [];
    for (const record of records) {
      const paper = toPaper(record.value);
      if (typeof paper === 'string') skip(record.line, paper);
      else papers.push(paper);
    }
    if (papers.length === 0 && skipped > 0) {
      throw new MiniAstroError(
        'badInput',
        `No usable record in ${file}: ${problems[0]?.reason ?? 'no records'} (line ${problems[0]?.line ?? '?'}).`,
        'Each record needs id, title and abstract (or summary). Nothing was imported.',
      );
    }
  }

  const store = new PaperStore(deps.db);
  const result: ImportResult = {
    imported: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped,
    problems,
    format,
  };
  onEvent({ type: 'start', source: 'import', resumed: false, position: 0, target: papers.length });
  for (let i = 0; i < papers.length; i += recordsPerTransaction) {
    const chunk = papers.slice(i, i + recordsPerTransaction);
    const counts = store.upsertMany(chunk, 'import', isoNow(deps.clock));
    result.imported += chunk.length;
    result.inserted += counts.inserted;
    result.updated += counts.updated;
    result.unchanged += counts.unchanged;
    onEvent({
      type: 'page',
      received: chunk.length,
      stored: counts.inserted + counts.updated,
      position: result.imported,
      target: papers.length,
    });
  }
  return result;
}

function jsonArrayRecords(text: string, file: string): SourceRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${file} is not valid JSON: ${describeError(error)}`,
      'Nothing was imported. Fix the file or export it as JSON Lines.',
    );
  }
  if (!Array.isArray(parsed))
    throw new MiniAstroError(
      'badInput',
      `${file} holds JSON but not an array of records.`,
      'Nothing was imported.',
    );
  return parsed.map((value, index) => ({ line: index + 1, value }));
}

function jsonLinesRecords(text: string, skip: (line: number, reason: string) => void): SourceRecord[] {
  const records: SourceRecord[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      records.push({ line: index + 1, value: JSON.parse(line) });
    } catch (error) {
      skip(index + 1, `not valid JSON (${describeError(error)})`);
    }
  });
  return records;
}

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

/** A Paper, or the reason the record cannot be one. */
function toPaper(value: unknown): Paper | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const rawId = stringField(record, 'id', 'arxiv_id', 'arxivId');
  if (!rawId) return 'missing "id"';
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
  return {
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
}
