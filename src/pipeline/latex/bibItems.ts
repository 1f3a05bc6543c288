/**
 * The references a .tex file lists itself, in `\begin{thebibliography}` … `\end{thebibliography}` — written by
 * hand, or a .bbl pasted in, as arXiv sources often have it: each `\bibitem[label]{key}` and its text up to the
 * next item. Such a list has no fields, only typeset text, so only what reads reliably is taken from it: the text,
 * an arXiv id, a DOI and a year. Citations resolve to these keys before any .bib file (resolve.ts), as LaTeX
 * itself uses the list the document carries.
 */
import { findArxivIds } from './arxivIds';
import { latexToText } from './latexToText';
import { matchingBrace, type SourceSpan, trimSpan } from './source';

export interface TexBibItem {
  kind: 'bibitem';
  key: string;
  /** The reference as plain text (at most `maxItemLength` characters of source read). */
  text: string;
  /** The reference's text in the source, after its key. */
  span: SourceSpan;
  line: number;
  arxivId?: string;
  doi?: string;
  year?: string;
}

/** A reference longer than this is not one; the rest is not read (a lone \bibitem before pages of text). */
const maxItemLength = 4000;
/** How far an item's `[label]` or `{key}` may reach before the \bibitem is taken as broken. */
const argumentWindow = 1000;
/** A file with more items than this is not a paper's list; the rest are not read. */
const maxItems = 5000;

const BEGIN = /\\begin\s*\{thebibliography\}/g;
const END = /\\end\s*\{thebibliography\}|\\end\s*\{document\}/g;
const BIBITEM = /\\bibitem(?![A-Za-z@])/g;
const DOI = /(?:doi\.org\/|doi:\s*|\\doi\s*\{\s*)?(10\.\d{4,9}\/[^\s{}\\,;"]+)/i;
const YEAR = /(?<![\d.])(1[89]\d\d|20\d\d)(?:[a-z])?(?!\d)/;

/** Every item of every thebibliography environment, in source order. `masked` has comments blanked. */
export function findBibItems(
  source: string,
  masked: string,
  lineAt: (offset: number) => number,
): TexBibItem[] {
  const items: TexBibItem[] = [];
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(masked); m && items.length < maxItems; m = BEGIN.exec(masked)) {
    const bodyStart = afterWidestLabel(masked, m.index + m[0].length);
    END.lastIndex = bodyStart;
    const end = END.exec(masked);
    const bodyEnd = end ? end.index : masked.length;
    items.push(...itemsIn(source, masked, bodyStart, bodyEnd, lineAt).slice(0, maxItems - items.length));
    BEGIN.lastIndex = end ? end.index + end[0].length : masked.length;
  }
  return items;
}

/** `\begin{thebibliography}{99}`: the widest label, skipped when it is there. */
function afterWidestLabel(masked: string, from: number): number {
  let i = from;
  while (/\s/.test(masked.charAt(i))) i++;
  if (masked.charCodeAt(i) !== 123) return from;
  const close = matchingBrace(masked, i, Math.min(masked.length, i + argumentWindow));
  return close < 0 ? from : close + 1;
}

function itemsIn(
  source: string,
  masked: string,
  from: number,
  to: number,
  lineAt: (offset: number) => number,
): TexBibItem[] {
  const starts: number[] = [];
  BIBITEM.lastIndex = from;
  for (let m = BIBITEM.exec(masked); m && m.index < to; m = BIBITEM.exec(masked)) starts.push(m.index);
  const items: TexBibItem[] = [];
  starts.forEach((start, k) => {
    const next = k + 1 < starts.length ? starts[k + 1]! : to;
    const keyOpen = afterOptional(masked, start + '\\bibitem'.length, next);
    if (masked.charCodeAt(keyOpen) !== 123) return;
    const keyClose = masked.indexOf('}', keyOpen);
    if (keyClose < 0 || keyClose > Math.min(next, keyOpen + argumentWindow)) return;
    const key = masked.slice(keyOpen + 1, keyClose).trim();
    if (key === '' || /[\s\\{]/.test(key)) return;
    const span = trimSpan(source, { start: keyClose + 1, end: Math.min(next, keyClose + 1 + maxItemLength) });
    const text = latexToText(source.slice(span.start, span.end));
    // Ids are read outside comments only: a commented-out id is not the reference's.
    const visible = masked.slice(span.start, span.end);
    const arxiv = findArxivIds(visible)[0];
    const doi = DOI.exec(visible)?.[1]?.replace(/[.)\]]+$/, '');
    const year = YEAR.exec(text)?.[1];
    items.push({
      kind: 'bibitem',
      key,
      text,
      span,
      line: lineAt(start),
      ...(arxiv ? { arxivId: arxiv.id } : {}),
      ...(doi ? { doi } : {}),
      ...(year ? { year } : {}),
    });
  });
  return items;
}

/**
 * After `\bibitem`: skips blanks and the optional `[label]`, whose brackets nest inside braces (natbib's
 * `[{Smith et~al.}(2020)]`, `[\protect\citeauthoryear{A}{B}{2020}]`). Returns where the `{key}` should open.
 */
function afterOptional(masked: string, from: number, limit: number): number {
  let i = from;
  while (i < limit && /\s/.test(masked.charAt(i))) i++;
  if (masked.charCodeAt(i) !== 91) return i;
  const stop = Math.min(limit, i + argumentWindow);
  let depth = 0;
  for (let j = i + 1; j < stop; j++) {
    const c = masked.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 123) depth++;
    else if (c === 125) depth = Math.max(0, depth - 1);
    else if (c === 93 && depth === 0) {
      let k = j + 1;
      while (k < limit && /\s/.test(masked.charAt(k))) k++;
      return k;
    }
  }
  return i;
}
