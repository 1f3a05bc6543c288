/**
 * Everything the explainer can find in a set of .tex and .bib files, as one flat list: each abstract, each
 * citation key (resolved to the file's own thebibliography item or its .bib entry), each arXiv id, each .bib
 * entry with an abstract. What `miniastrolm
 * abstracts` prints. File reading, the folder walk and the database look-up are passed in, so this stays pure.
 */
import path from 'node:path';
import { type BibEntry, type BibParse, parseBib } from './bib';
import type { TexBibItem } from './bibItems';
import { bblFor, bibFilesFor, listedReference, resolveCitation } from './resolve';
import { findRoot, isRootDocument, summarizeTex, type TexSummary } from './root';
import { parseTex, type TexCitation, type TexDocument } from './tex';

export interface ListedItem {
  kind: 'abstract' | 'cite' | 'arxiv-id';
  /** The .bib key for citations and .bib abstracts, the arXiv id for arxiv-id items, null for a .tex abstract. */
  key: string | null;
  file: string;
  line: number;
  title: string | null;
  /** The plain-text abstract, or null when none was found. */
  text: string | null;
  /** Where `text` came from. */
  source: 'tex' | 'bib' | 'database' | null;
  /**
   * Citations: the file whose reference list holds the key — a .bib, a .tex whose thebibliography lists it (the
   * file's own or its root's), or the root's .bbl — or null when none does.
   */
  bib?: string | null;
  /** Citations listed in a thebibliography or .bbl: the reference as plain text. */
  reference?: string | null;
  /** Citations and .bib abstracts: the entry's arXiv id, when it names one. */
  arxivId?: string | null;
}

export interface Listing {
  items: ListedItem[];
  files: number;
  abstracts: number;
  citations: number;
  /** Citation items whose key is in the file's thebibliography or one of the .bib files searched. */
  resolved: number;
  /** Items that carry an abstract's text. */
  withText: number;
  arxivIds: number;
  problems: { file: string; line: number; reason: string }[];
}

export interface ListingDeps {
  read(file: string): string;
  exists(file: string): boolean;
  /** Every .bib under a folder (its whole tree). */
  bibsUnder(folder: string): string[];
  /** .bib files given explicitly (`--bib`): then they alone are searched. */
  bibs?: string[];
  /** A paper stored in the database under this arXiv id. */
  lookup?(arxivId: string): { title: string; abstract: string } | undefined;
}

export function listItems(files: string[], deps: ListingDeps): Listing {
  const parsed = new Map<string, BibParse>();
  const problems: Listing['problems'] = [];
  const bibOf = (file: string): BibParse => {
    let bib = parsed.get(file);
    if (!bib) {
      bib = parseBib(deps.read(file));
      parsed.set(file, bib);
      for (const p of bib.problems) problems.push({ file, ...p });
    }
    return bib;
  };
  const fromDatabase = (arxivId: string | undefined) => (arxivId ? deps.lookup?.(arxivId) : undefined);
  const parsedTex = new Map<string, TexDocument>();
  const texOf = (file: string, text?: string): TexDocument => {
    let doc = parsedTex.get(file);
    if (!doc) {
      doc = parseTex(text ?? deps.read(file));
      parsedTex.set(file, doc);
    }
    return doc;
  };
  const summaries = new Map<string, TexSummary | undefined>();
  const summaryOf = (file: string): TexSummary | undefined => {
    if (!summaries.has(file))
      summaries.set(file, deps.exists(file) ? summarizeTex(deps.read(file)) : undefined);
    return summaries.get(file);
  };
  const texFiles = files.filter((f) => !/\.bib$/i.test(f));

  const items: ListedItem[] = [];
  for (const file of files) {
    if (/\.bib$/i.test(file)) {
      for (const entry of bibOf(file).entries) if (entry.abstract) items.push(bibAbstractItem(file, entry));
      continue;
    }
    const text = deps.read(file);
    const doc = texOf(file, text);
    for (const abstract of doc.abstracts) {
      items.push({
        kind: 'abstract',
        key: null,
        file,
        line: abstract.line,
        title: doc.title ?? null,
        text: abstract.text,
        source: 'tex',
      });
    }
    // A part of a paper (no \documentclass) cites through its root among the files listed, as LaTeX compiles it.
    const root = isRootDocument(text) ? undefined : findRoot(file, text, texFiles, summaryOf);
    const rootDoc = root ? texOf(root) : undefined;
    const lists = [
      { file, items: doc.bibItems },
      ...(root && rootDoc ? [{ file: root, items: rootDoc.bibItems }] : []),
    ];
    const bibFiles =
      deps.bibs && deps.bibs.length > 0
        ? deps.bibs
        : root && rootDoc && doc.bibliographies.length === 0
          ? bibFilesFor(root, rootDoc.bibliographies, deps.bibsUnder(path.dirname(root)), deps.exists)
          : bibFilesFor(file, doc.bibliographies, deps.bibsUnder(path.dirname(file)), deps.exists);
    const bibs = bibFiles.map((bibFile) => ({ file: bibFile, entries: bibOf(bibFile).entries }));
    // Last, the .bbl BibTeX wrote beside the root: all an arXiv source ships.
    const bbl = bblFor(root ?? file);
    const bblItems = deps.exists(bbl) ? texOf(bbl).bibItems : [];
    for (const cite of doc.citations) {
      const inList = lists
        .map((list) => ({ file: list.file, item: listedReference(cite.key, list.items) }))
        .find((l) => l.item);
      if (inList) {
        items.push(listedCite(cite, file, inList.file, inList.item!, fromDatabase));
        continue;
      }
      const found = resolveCitation(cite.key, bibs);
      const inBbl = found ? undefined : listedReference(cite.key, bblItems);
      if (inBbl) {
        items.push(listedCite(cite, file, bbl, inBbl, fromDatabase));
        continue;
      }
      const entry = found?.entry;
      const stored = entry?.abstract ? undefined : fromDatabase(entry?.arxivId);
      items.push({
        kind: 'cite',
        key: cite.key,
        file,
        line: cite.line,
        title: entry?.title ?? stored?.title ?? null,
        text: entry?.abstract ?? stored?.abstract ?? null,
        source: entry?.abstract ? 'bib' : stored ? 'database' : null,
        bib: found?.file ?? null,
        arxivId: entry?.arxivId ?? null,
      });
    }
    for (const mention of doc.arxivIds) {
      const stored = fromDatabase(mention.id);
      items.push({
        kind: 'arxiv-id',
        key: mention.id,
        file,
        line: mention.line,
        title: stored?.title ?? null,
        text: stored?.abstract ?? null,
        source: stored ? 'database' : null,
      });
    }
  }
  const cites = items.filter((i) => i.kind === 'cite');
  return {
    items,
    files: files.length,
    abstracts: items.filter((i) => i.kind === 'abstract').length,
    citations: cites.length,
    resolved: cites.filter((i) => i.bib).length,
    withText: items.filter((i) => i.text !== null).length,
    arxivIds: items.filter((i) => i.kind === 'arxiv-id').length,
    problems,
  };
}

/** A citation of an item in a reference list (a thebibliography or a .bbl): its abstract by the arXiv id it names. */
function listedCite(
  cite: TexCitation,
  file: string,
  listFile: string,
  listed: TexBibItem,
  fromDatabase: (arxivId: string | undefined) => { title: string; abstract: string } | undefined,
): ListedItem {
  const stored = fromDatabase(listed.arxivId);
  return {
    kind: 'cite',
    key: cite.key,
    file,
    line: cite.line,
    title: stored?.title ?? null,
    text: stored?.abstract ?? null,
    source: stored ? 'database' : null,
    bib: listFile,
    arxivId: listed.arxivId ?? null,
    reference: listed.text,
  };
}

function bibAbstractItem(file: string, entry: BibEntry): ListedItem {
  return {
    kind: 'abstract',
    key: entry.key,
    file,
    line: entry.line,
    title: entry.title ?? null,
    text: entry.abstract ?? null,
    source: 'bib',
    arxivId: entry.arxivId ?? null,
  };
}
