/**
 * Citation keys to references. A key the document's own `thebibliography` lists is that item (LaTeX uses the list
 * the document carries); otherwise .bib entries: the document's `\bibliography{...}` / `\addbibresource{...}`
 * names are looked for beside the .tex (`.bib` appended when missing), and when none of them exists, every .bib
 * of the workspace is searched; last, the .bbl BibTeX wrote beside the root (`bblFor`) — all an arXiv source
 * ships, since arXiv does not run BibTeX. Pure: the caller passes in which files exist and the parsed entries.
 */
import path from 'node:path';
import type { BibEntry } from './bib';
import type { TexBibItem } from './bibItems';

export function bibFilesFor(
  texPath: string,
  bibliographies: string[],
  workspaceBibs: string[],
  exists: (p: string) => boolean,
): string[] {
  const folder = path.dirname(texPath);
  const named = bibliographies
    .map((name) => path.resolve(folder, /\.bib$/i.test(name) ? name : `${name}.bib`))
    .filter((file, index, all) => all.indexOf(file) === index && exists(file));
  return named.length > 0 ? named : [...new Set(workspaceBibs)];
}

/** The .bbl file BibTeX writes for the document `texPath` (its folder, its name): main.tex → main.bbl. */
export function bblFor(texPath: string): string {
  const parsed = path.parse(texPath);
  return path.join(parsed.dir, `${parsed.name}.bbl`);
}

/** Per entry list: key → entry (first wins, as BibTeX takes the first), built once per parsed file. */
const keyIndex = new WeakMap<BibEntry[], { exact: Map<string, BibEntry>; folded: Map<string, BibEntry> }>();

function indexOf(entries: BibEntry[]) {
  let index = keyIndex.get(entries);
  if (!index) {
    index = { exact: new Map(), folded: new Map() };
    for (const entry of entries) {
      if (!index.exact.has(entry.key)) index.exact.set(entry.key, entry);
      const folded = entry.key.toLowerCase();
      if (!index.folded.has(folded)) index.folded.set(folded, entry);
    }
    keyIndex.set(entries, index);
  }
  return index;
}

/**
 * The first file (in the order given) whose entries hold the key. Exact match first; BibTeX itself matches keys
 * case-insensitively, so a key that differs only in case still resolves.
 */
export function resolveCitation(
  key: string,
  bibs: { file: string; entries: BibEntry[] }[],
): { file: string; entry: BibEntry } | undefined {
  for (const bib of bibs) {
    const entry = indexOf(bib.entries).exact.get(key);
    if (entry) return { file: bib.file, entry };
  }
  const folded = key.toLowerCase();
  for (const bib of bibs) {
    const entry = indexOf(bib.entries).folded.get(folded);
    if (entry) return { file: bib.file, entry };
  }
  return undefined;
}

const itemIndex = new WeakMap<TexBibItem[], Map<string, TexBibItem>>();

/**
 * The document's own reference for `key`: exact match only (a `\bibitem` key is a LaTeX name, so case matters),
 * the first item when a key is listed twice.
 */
export function listedReference(key: string, items: TexBibItem[]): TexBibItem | undefined {
  let index = itemIndex.get(items);
  if (!index) {
    index = new Map();
    for (const item of items) if (!index.has(item.key)) index.set(item.key, item);
    itemIndex.set(items, index);
  }
  return index.get(key);
}
