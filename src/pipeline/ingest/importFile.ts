/**
 * Import of abstract files we did not fetch ourselves: JSON Lines or a JSON array of records
 * `{id, title, abstract|summary, categories, authors?, published?, updated?}` (the arXiv-API dumps other tools
 * write), or a saved arXiv API Atom response. Text must be UTF-8 (or say otherwise: a BOM, an XML declaration);
 * a bad record is reported by line and skipped; a file with nothing usable in it (empty, `[]`, all bad) is an
 * error that changes nothing. Records are stored a thousand to a transaction, and an interrupt between two
 * stops the import with what was stored kept (running it again merges, never duplicates).
 */
import { readFileSync } from 'node:fs';
import { type Clock, isoNow } from '../../core/clock';
import { describeError, MiniAstroError } from '../../core/errors';
import { declaredXmlEncoding, decodeText } from '../../core/textDecoding';
import { parseAtomFeed } from '../arxiv/atom';
import type { Paper } from '../arxiv/types';
import type { Db } from '../store/database';
import { PaperStore } from '../store/papers';
import { type IngestEventSink, ignoreEvents } from './events';
import { defaultImportLimits, type ImportLimits, paperProblem, recordToPaper } from './importRecords';

export { defaultImportLimits, type ImportLimits } from './importRecords';

export interface ImportResult {
  imported: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** The first few problems, by line (JSONL, Atom) or record index (JSON array). */
  problems: { line: number; reason: string }[];
  format: 'jsonl' | 'json' | 'atom';
}

export interface ImportDeps {
  db: Db;
  clock: Clock;
  onEvent?: IngestEventSink;
  /** Aborts between two transactions (SIGINT/SIGTERM); what was stored stays. */
  signal?: AbortSignal;
  limits?: ImportLimits;
}

/** The records of a file, checked, before anything is stored. */
export interface ParsedImport {
  format: ImportResult['format'];
  papers: Paper[];
  skipped: number;
  problems: ImportResult['problems'];
}

interface SourceRecord {
  line: number;
  value: unknown;
}

const maxProblemsKept = 20;
const recordsPerTransaction = 1000;
const nothingImported = 'Nothing was imported.';
const expected =
  'Import JSON Lines ({"id": ..., "title": ..., "abstract": ...} per line), a JSON array of such records, or a ' +
  'saved arXiv API (Atom) response.';

export async function importAbstractsFile(file: string, deps: ImportDeps): Promise<ImportResult> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new MiniAstroError('badInput', `Cannot read ${file}: ${describeError(error)}`, 'Check the path.');
  }
  return importAbstractsText(decodeImportFile(bytes, file), file, deps);
}

/** An import file's text: by its byte-order mark, the encoding its XML declaration names, or else as UTF-8. */
export function decodeImportFile(bytes: Uint8Array, file: string): string {
  const declared = declaredXmlEncoding(bytes);
  return decodeText(bytes, file, { declared, declaredBy: 'its XML declaration', after: nothingImported });
}

export async function importAbstractsText(
  text: string,
  file: string,
  deps: ImportDeps,
): Promise<ImportResult> {
  const onEvent = deps.onEvent ?? ignoreEvents;
  const parsed = parseAbstractsText(text, file, deps.limits ?? defaultImportLimits, (line, reason) =>
    onEvent({ type: 'skipped', line, reason }),
  );
  const { papers } = parsed;
  const store = new PaperStore(deps.db);
  const result: ImportResult = {
    imported: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    skipped: parsed.skipped,
    problems: parsed.problems,
    format: parsed.format,
  };
  onEvent({ type: 'start', source: 'import', resumed: false, position: 0, target: papers.length });
  for (let i = 0; i < papers.length; i += recordsPerTransaction) {
    // Signals are delivered between transactions: the one in progress commits or rolls back whole.
    await new Promise((resolve) => setImmediate(resolve));
    if (deps.signal?.aborted) throw deps.signal.reason;
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

/**
 * The papers in `text` (a whole import file) and the records skipped, with reasons; `onSkip` hears each skip as
 * it is found. Throws MiniAstroError when the file holds nothing to import.
 */
export function parseAbstractsText(
  text: string,
  file: string,
  limits: ImportLimits = defaultImportLimits,
  onSkip: (line: number, reason: string) => void = () => {},
): ParsedImport {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  const problems: ImportResult['problems'] = [];
  let skipped = 0;
  const skip = (line: number, reason: string) => {
    skipped++;
    if (problems.length < maxProblemsKept) problems.push({ line, reason });
    onSkip(line, reason);
  };
  if (trimmed === '') {
    throw new MiniAstroError('badInput', `${file} is empty: there is nothing to import.`, expected);
  }

  let format: ImportResult['format'];
  let found: number;
  const papers: Paper[] = [];
  if (trimmed.startsWith('<')) {
    format = 'atom';
    const page = parseAtomFeed(trimmed, { file });
    found = page.entries.length;
    page.entries.forEach((paper, i) => {
      const line = page.entryLines?.[i] ?? i + 1;
      const problem = paperProblem(paper, limits);
      if (problem) skip(line, problem);
      else papers.push(paper);
    });
  } else {
    format = trimmed.startsWith('[') ? 'json' : 'jsonl';
    const records =
      format === 'json'
        ? jsonArrayRecords(trimmed, file)
        : jsonLinesRecords(text.replace(/^\uFEFF/, ''), skip);
    found = records.length + skipped;
    for (const record of records) {
      const paper = recordToPaper(record.value, limits);
      if (typeof paper === 'string') skip(record.line, paper);
      else papers.push(paper);
    }
  }
  if (papers.length === 0) {
    if (found === 0) {
      const what =
        format === 'json'
          ? 'holds an empty JSON array'
          : format === 'atom'
            ? 'is an Atom feed with no entries'
            : 'holds no records';
      throw new MiniAstroError('badInput', `${file} ${what}: there is nothing to import.`, expected);
    }
    throw new MiniAstroError(
      'badInput',
      `No usable record in ${file}: ${problems[0]?.reason ?? 'no records'} (${format === 'json' ? 'record' : 'line'} ${problems[0]?.line ?? '?'}).`,
      `Each record needs an arXiv id (a string), a title and a non-empty abstract (or summary). ${nothingImported}`,
    );
  }
  return { format, papers, skipped, problems };
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
