/**
 * Import of a .bib file: every entry that has an abstract becomes a paper, keyed by its arXiv id, else
 * `doi:<doi>`, else `bib:<key>`. Title, abstract and authors are stored as plain text (the one LaTeX-to-text
 * function the editor uses). A .bib copy carries no version and no update date, so through the PaperStore's
 * latest-version rule it never replaces a copy fetched from arXiv, and an arXiv fetch always replaces it.
 */
import { type Clock, isoNow } from '../../core/clock';
import { MiniAstroError } from '../../core/errors';
import { readTextFile } from '../../core/textDecoding';
import type { Paper } from '../arxiv/types';
import { type BibEntry, parseBib } from '../latex/bib';
import { latexToText } from '../latex/latexToText';
import type { Db } from '../store/database';
import { PaperStore } from '../store/papers';
import { type IngestEventSink, ignoreEvents } from './events';
import { defaultImportLimits, type ImportLimits } from './importRecords';

export interface BibImportDeps {
  db: Db;
  clock: Clock;
  onEvent?: IngestEventSink;
  limits?: ImportLimits;
}

export interface BibImportResult {
  imported: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Entries not stored (no abstract, no title, a second copy of a paper already in the file). */
  skipped: number;
  /** Parse problems first, then skipped entries; the first few, by line (every one goes out as an event). */
  problems: { line: number; reason: string }[];
  format: 'bib';
}

const maxProblemsKept = 20;

/** Reads `file` as UTF-8 (a BOM says otherwise; other bytes are refused by line and byte) and imports it. */
export function importBibFile(file: string, deps: BibImportDeps): BibImportResult {
  return importBibText(
    readTextFile(file, 'Check the path; a .bib export from Zotero or ADS is UTF-8.'),
    file,
    deps,
  );
}

export function importBibText(text: string, file: string, deps: BibImportDeps): BibImportResult {
  const limits = deps.limits ?? defaultImportLimits;
  const onEvent = deps.onEvent ?? ignoreEvents;
  const { entries, problems: parseProblems } = parseBib(text.replace(/^\uFEFF/, ''));
  const problems = parseProblems.slice(0, maxProblemsKept);
  for (const p of parseProblems) onEvent({ type: 'skipped', line: p.line, reason: p.reason });
  if (entries.length === 0) {
    throw new MiniAstroError(
      'badInput',
      `No BibTeX entries in ${file}${parseProblems[0] ? ` (line ${parseProblems[0].line}: ${parseProblems[0].reason})` : ''}.`,
      'Nothing was imported. Check that the file is a .bib export (entries start with @article{key, ...).',
    );
  }
  const papers: Paper[] = [];
  // A library often holds one paper twice under two keys; the first is kept, so a re-import changes nothing.
  const keyOfId = new Map<string, string>();
  let skipped = 0;
  for (const entry of entries) {
    const converted = bibEntryToPaper(entry);
    const first = typeof converted === 'string' ? undefined : keyOfId.get(converted.id);
    const reason =
      typeof converted === 'string'
        ? converted
        : first !== undefined
          ? `${entry.key}: the same paper (${converted.id}) as ${first}`
          : converted.abstract.length > limits.maxAbstractChars
            ? `${entry.key}: abstract of ${converted.abstract.length.toLocaleString('en-US')} characters is over ` +
              `the limit of ${limits.maxAbstractChars.toLocaleString('en-US')} (ingest.maxAbstractChars)`
            : null;
    if (reason === null && typeof converted !== 'string') {
      keyOfId.set(converted.id, entry.key);
      papers.push(converted);
    } else if (reason !== null) {
      skipped++;
      if (problems.length < maxProblemsKept) problems.push({ line: entry.line, reason });
      onEvent({ type: 'skipped', line: entry.line, reason });
    }
  }
  if (papers.length === 0) {
    throw new MiniAstroError(
      'badInput',
      `None of the ${entries.length} entries in ${file} has an abstract.`,
      'Nothing was imported. Export the library with abstracts (Zotero and ADS can include them in .bib exports).',
    );
  }
  onEvent({ type: 'start', source: 'import', resumed: false, position: 0, target: papers.length });
  const counts = new PaperStore(deps.db).upsertMany(papers, 'import', isoNow(deps.clock));
  onEvent({
    type: 'page',
    received: papers.length,
    stored: counts.inserted + counts.updated,
    position: papers.length,
    target: papers.length,
  });
  return { imported: papers.length, ...counts, skipped, problems, format: 'bib' };
}

/** The paper a .bib entry stands for, or why it cannot be one. */
export function bibEntryToPaper(entry: BibEntry): Paper | string {
  if (!entry.abstract) return `${entry.key}: no abstract`;
  if (!entry.title) return `${entry.key}: no title`;
  const id = entry.arxivId ?? (entry.doi ? `doi:${entry.doi.toLowerCase()}` : `bib:${entry.key}`);
  const category = /^[a-z-]+(?:\.[A-Za-z-]+)?$/.exec(entry.fields['primaryclass']?.trim() ?? '')?.[0] ?? null;
  return {
    id,
    version: null,
    title: entry.title,
    abstract: entry.abstract,
    authors: entry.authors,
    categories: category ? [category] : [],
    primaryCategory: category,
    published: publishedOf(entry),
    updated: null,
    doi: entry.doi ?? null,
    journalRef: journalRefOf(entry),
    comment: null,
  };
}

const MONTH_NUMBERS: Readonly<Record<string, string>> = {
  january: '01',
  february: '02',
  march: '03',
  april: '04',
  may: '05',
  june: '06',
  july: '07',
  august: '08',
  september: '09',
  october: '10',
  november: '11',
  december: '12',
};

/** ISO 8601 at the precision the entry gives: `2019-04-12` (biblatex date), `2019-04`, or `2019`. */
function publishedOf(entry: BibEntry): string | null {
  const date = /^\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)\s*$/.exec(entry.fields['date'] ?? '')?.[1];
  if (date) return date;
  if (!entry.year) return null;
  const month = (entry.fields['month'] ?? '').trim().toLowerCase();
  const number =
    MONTH_NUMBERS[month] ??
    Object.entries(MONTH_NUMBERS).find(([name]) => month.length >= 3 && name.startsWith(month))?.[1] ??
    (/^\d{1,2}$/.test(month) && Number(month) >= 1 && Number(month) <= 12
      ? month.padStart(2, '0')
      : undefined);
  return number ? `${entry.year}-${number}` : entry.year;
}

/** `ApJ 831, 167` from journal, volume and pages; null for preprints and entries without a journal. */
function journalRefOf(entry: BibEntry): string | null {
  const journal = latexToText(entry.fields['journal'] ?? '', { comments: false });
  if (journal === '' || /arxiv/i.test(journal)) return null;
  const volume = entry.fields['volume']?.trim();
  const pages = latexToText(entry.fields['pages'] ?? '', { comments: false });
  return `${journal}${volume ? ` ${volume}` : ''}${pages ? `, ${pages}` : ''}`;
}
