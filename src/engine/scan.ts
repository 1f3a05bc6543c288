/**
 * What a document holds for the editor, in one pass: its abstracts, its citations resolved to references (its own
 * thebibliography and its root's first, then the .bib files it names, else every .bib of the workspace, then the
 * .bbl beside the root), and its arXiv ids — each with the abstract as plain text from the document, the .bib
 * entry or the workspace database. The editor caches the answer per document version, and its hovers read that
 * cache; nothing here waits on the network.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../core/errors';
import {
  type ArxivMention,
  type BibEntry,
  bblFor,
  bibFilesFor,
  findArxivIds,
  latexToText,
  listedReference,
  parseBib,
  parseTex,
  resolveCitation,
  type TexBibItem,
  type TexDocument,
} from '../pipeline/latex';
import type { Db } from '../pipeline/store/database';
import { PaperStore } from '../pipeline/store/papers';
import type { ScanDocumentParams, ScanDocumentResult, ScannedItem } from './protocol';
import type { Databases } from './resources';
import { rootReferences, TexFiles } from './rootDocument';

/** Parsed .bib files, reparsed only when their size or modification time changes. */
export class BibFiles {
  private readonly parsed = new Map<string, { stamp: string; entries: BibEntry[] }>();

  read(file: string, problems: string[]): BibEntry[] {
    let stamp: string;
    try {
      const s = statSync(file);
      stamp = `${s.size}:${s.mtimeMs}`;
    } catch (error) {
      problems.push(`${file}: ${describeError(error)}`);
      return [];
    }
    const cached = this.parsed.get(file);
    if (cached?.stamp === stamp) return cached.entries;
    let entries: BibEntry[] = [];
    try {
      entries = parseBib(readFileSync(file, 'utf8')).entries;
    } catch (error) {
      problems.push(`${file}: ${describeError(error)}`);
    }
    this.parsed.set(file, { stamp, entries });
    return entries;
  }
}

function exists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A bib entry's id in the database's scheme (what `miniastrolm import refs.bib` stores it under). */
export function bibPaperId(entry: BibEntry): string {
  return entry.arxivId ?? (entry.doi ? `doi:${entry.doi}` : `bib:${entry.key}`);
}

const blank = (kind: ScannedItem['kind'], start: number, end: number, line: number): ScannedItem => ({
  kind,
  start,
  end,
  line,
  key: null,
  paperId: null,
  title: null,
  authors: [],
  year: null,
  arxivId: null,
  abstract: null,
  origin: null,
  bibFile: null,
  reference: null,
  problem: null,
});

/** Fills title and abstract from the database's copy of `id` (abstract as plain text). */
function fromDatabase(item: ScannedItem, id: string, db: Db | undefined): ScannedItem {
  const paper = db ? new PaperStore(db).get(id) : undefined;
  if (!paper) {
    return {
      ...item,
      problem:
        item.problem ??
        `${id} is not in the workspace database (fetch it: miniastrolm fetch --ids ${id}, or allow arXiv lookups)`,
    };
  }
  return {
    ...item,
    // Feed text: a bare % is a percent sign there, not a comment.
    title: item.title ?? latexToText(paper.title, { comments: false }),
    authors: item.authors.length ? item.authors : paper.authors,
    year: item.year ?? paper.published?.slice(0, 4) ?? null,
    abstract: latexToText(paper.abstract, { comments: false }),
    origin: 'database',
    problem: null,
  };
}

function fromBibEntry(
  item: ScannedItem,
  entry: BibEntry,
  file: string | null,
  db: Db | undefined,
): ScannedItem {
  const withEntry: ScannedItem = {
    ...item,
    key: entry.key,
    paperId: bibPaperId(entry),
    title: entry.title ?? null,
    authors: entry.authors,
    year: entry.year ?? null,
    arxivId: entry.arxivId ?? null,
    bibFile: file,
  };
  if (entry.abstract) return { ...withEntry, abstract: entry.abstract, origin: 'bib' };
  if (entry.arxivId) return fromDatabase(withEntry, entry.arxivId, db);
  return { ...withEntry, problem: `the entry ${entry.key} has no abstract and no arXiv id` };
}

/**
 * A citation of an item in the document's own reference list: typeset text with no fields, so the abstract comes
 * from the database through the arXiv id (or DOI) the text names.
 */
function fromBibItem(
  item: ScannedItem,
  listed: TexBibItem,
  listFile: string | null,
  db: Db | undefined,
): ScannedItem {
  const withItem: ScannedItem = {
    ...item,
    paperId: listed.arxivId ?? (listed.doi ? `doi:${listed.doi}` : null),
    year: listed.year ?? null,
    arxivId: listed.arxivId ?? null,
    reference: listed.text,
  };
  if (listed.arxivId) return fromDatabase(withItem, listed.arxivId, db);
  const byDoi = listed.doi ? `doi:${listed.doi}` : null;
  const where = listFile ? `${path.basename(listFile)}, ` : '';
  if (byDoi && db && new PaperStore(db).get(byDoi)) return fromDatabase(withItem, byDoi, db);
  return {
    ...withItem,
    problem:
      `the reference list (${where}line ${listed.line}) gives no arXiv id for ${listed.key}, so its abstract ` +
      'cannot be looked up: add its arXiv id to the \\bibitem, or cite it from a .bib entry with an abstract',
  };
}

export function scanDocument(
  params: ScanDocumentParams,
  databases: Databases,
  bibs: BibFiles = defaultBibFiles,
  texFiles: TexFiles = defaultTexFiles,
): ScanDocumentResult {
  const db = databases.ifExists(params.databasePath);
  const problems: string[] = [];
  const items: ScannedItem[] = [];
  const arxivItem = (m: ArxivMention): ScannedItem =>
    fromDatabase(
      { ...blank('arxiv-id', m.span.start, m.span.end, m.line), key: m.id, paperId: m.id, arxivId: m.id },
      m.id,
      db,
    );

  if (params.flavor === 'tex') {
    const doc = parseTex(params.text);
    const sources = referenceSources(params, doc, bibs, texFiles, problems);
    for (const a of doc.abstracts) {
      items.push({
        ...blank('abstract', a.span.start, a.span.end, a.line),
        title: doc.title ?? null,
        abstract: a.text,
        origin: 'document',
      });
    }
    for (const c of doc.citations) {
      items.push(
        resolveCite({ ...blank('cite', c.span.start, c.span.end, c.line), key: c.key }, sources, db),
      );
    }
    // Each item of the file's own reference list (a thebibliography, an open .bbl) hovers as a citation of itself.
    for (const listed of doc.bibItems) {
      const item = { ...blank('cite', listed.span.start, listed.span.end, listed.line), key: listed.key };
      items.push(fromBibItem(item, listed, null, db));
    }
    items.push(...doc.arxivIds.map(arxivItem));
    return {
      items: items.sort((a, b) => a.start - b.start),
      bibFiles: sources.bibs.map((b) => b.file),
      problems: problems.slice(0, 5),
    };
  }
  if (params.flavor === 'bib') {
    const parsed = parseBib(params.text);
    for (const entry of parsed.entries) {
      if (!entry.abstractSpan) continue;
      items.push(
        fromBibEntry(
          blank('bib-abstract', entry.abstractSpan.start, entry.abstractSpan.end, entry.line),
          entry,
          params.file,
          db,
        ),
      );
    }
    items.push(...findArxivIds(params.text).map(arxivItem));
    problems.push(...parsed.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.reason}`));
    return { items: items.sort((a, b) => a.start - b.start), bibFiles: [], problems: problems.slice(0, 5) };
  }
  items.push(...findArxivIds(params.text).map(arxivItem));
  return { items, bibFiles: [], problems };
}

/** Where a .tex file's citations are looked up, in the order LaTeX would find them. */
interface ReferenceSources {
  /** Reference lists (thebibliography) before the .bib files: the file's own, then its root's. */
  lists: { items: TexBibItem[]; file: string | null; name: string }[];
  bibs: { file: string; entries: BibEntry[] }[];
  /** The .bbl BibTeX wrote beside the root: the last resort (an arXiv source ships it instead of the .bib). */
  bbl: { items: TexBibItem[]; file: string } | null;
}

function referenceSources(
  params: ScanDocumentParams,
  doc: TexDocument,
  bibs: BibFiles,
  texFiles: TexFiles,
  problems: string[],
): ReferenceSources {
  // A part of a paper (no \documentclass) cites through its root's list and bibliography, as LaTeX compiles it.
  const parent = rootReferences(params.file, params.text, params.workspaceTex ?? [], texFiles);
  const lists: ReferenceSources['lists'] = [];
  if (doc.bibItems.length > 0)
    lists.push({ items: doc.bibItems, file: null, name: "this file's thebibliography" });
  if (parent && parent.doc.bibItems.length > 0) {
    lists.push({
      items: parent.doc.bibItems,
      file: parent.root,
      name: `${path.basename(parent.root)}'s thebibliography`,
    });
  }
  const bibFiles =
    parent && doc.bibliographies.length === 0
      ? bibFilesFor(parent.root, parent.doc.bibliographies, params.workspaceBibs, exists)
      : bibFilesFor(params.file, doc.bibliographies, params.workspaceBibs, exists);
  const bblFile = bblFor(parent?.root ?? params.file);
  const bblItems = texFiles.parsed(bblFile)?.bibItems ?? [];
  return {
    lists,
    bibs: bibFiles.map((file) => ({ file, entries: bibs.read(file, problems) })),
    bbl: bblItems.length > 0 ? { items: bblItems, file: bblFile } : null,
  };
}

function resolveCite(item: ScannedItem, sources: ReferenceSources, db: Db | undefined): ScannedItem {
  const key = item.key!;
  for (const list of sources.lists) {
    const listed = listedReference(key, list.items);
    if (listed) return fromBibItem(item, listed, list.file, db);
  }
  const found = resolveCitation(key, sources.bibs);
  if (found) return fromBibEntry(item, found.entry, found.file, db);
  const fromBbl = sources.bbl ? listedReference(key, sources.bbl.items) : undefined;
  if (fromBbl) return fromBibItem(item, fromBbl, sources.bbl!.file, db);
  const searched = [
    ...sources.lists.map((l) => l.name),
    ...sources.bibs.map((b) => path.basename(b.file)),
    ...(sources.bbl ? [path.basename(sources.bbl.file)] : []),
  ];
  const problem =
    searched.length === 0
      ? `no .bib file found for "${key}" (name one with \\bibliography{…}, or add a .bib to the workspace)`
      : `no entry "${key}" in ${orList(searched)}`;
  return { ...item, problem };
}

/** "a", "a or b", "a, b or c". */
function orList(names: string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '');
}

const defaultBibFiles = new BibFiles();
const defaultTexFiles = new TexFiles();
