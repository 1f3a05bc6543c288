/**
 * What a .tex file holds for the explainer: its abstract(s) in the three forms astronomy journals use
 * (`\begin{abstract}`, A&A's structured `\abstract{context}{aims}{methods}{results}{conclusions}`, and JCAP's
 * `\abstract{...}` before `\maketitle`), its title, every citation key with its own span, arXiv ids, the .bib
 * files it names and the references its own `thebibliography` lists (bibItems.ts). Comments are blanked out (same
 * length, so offsets hold) before anything is looked for: a template's commented `% \abstract{}{}{}{}{}` or a
 * commented `\citep` never counts.
 */
import { type ArxivMention, findArxivIds } from './arxivIds';
import { findBibItems, type TexBibItem } from './bibItems';
import { CITE_COMMAND } from './latexSymbols';
import { latexToText } from './latexToText';
import { lineIndex, matchingBrace, type SourceSpan, trimSpan } from './source';

export type { ArxivMention } from './arxivIds';
export type { TexBibItem } from './bibItems';
export type { SourceSpan } from './source';

export interface TexAbstract {
  kind: 'abstract';
  form: 'environment' | 'aanda' | 'macro';
  /** The raw abstract body (inside the braces / environment), surrounding whitespace excluded. */
  span: SourceSpan;
  raw: string;
  /** Plain text (A&A: the non-empty groups joined in order). */
  text: string;
  line: number;
  /** A&A form only: each non-empty group's span, in order (context, aims, methods, results, conclusions). */
  groups?: SourceSpan[];
}

export interface TexCitation {
  kind: 'cite';
  key: string;
  /** As written, star included: `citep*`. */
  command: string;
  /** Of this key only. */
  span: SourceSpan;
  line: number;
}

export interface TexDocument {
  /** Plain text. */
  title?: string;
  abstracts: TexAbstract[];
  citations: TexCitation[];
  /** Everywhere in the file, comments included: a commented reference is still worth a hover. */
  arxivIds: ArxivMention[];
  /** As written in `\bibliography{a,b}` and `\addbibresource{x.bib}`. */
  bibliographies: string[];
  /** The items of the file's own `thebibliography`, in source order. */
  bibItems: TexBibItem[];
}

/** How far a citation's optional arguments and key list may reach before the command is taken as broken. */
const citeWindow = 4000;
/** A file with more `\abstract` macros than this is not a paper; the rest are not looked at. */
const maxAbstractMacros = 50;
/** No abstract group or title is longer than this; a brace left open is not followed further. */
const maxGroupLength = 200_000;

export function parseTex(text: string): TexDocument {
  const source = typeof text === 'string' ? text : '';
  const masked = blankComments(source);
  const lineAt = lineIndex(source);
  const abstracts = [
    ...environmentAbstracts(source, masked, lineAt),
    ...macroAbstracts(source, masked, lineAt),
  ];
  abstracts.sort((a, b) => a.span.start - b.span.start);
  const title = findTitle(source, masked);
  return {
    ...(title ? { title } : {}),
    abstracts,
    citations: findCitations(masked, lineAt),
    arxivIds: findArxivIds(source, lineAt),
    bibliographies: findBibliographies(masked),
    bibItems: findBibItems(source, masked, lineAt),
  };
}

/** The text with every comment (unescaped `%` to the end of its line) replaced by spaces of the same length. */
export function blankComments(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 37) {
      let end = i;
      while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
      parts.push(text.slice(copied, i), ' '.repeat(end - i));
      copied = end;
      i = end;
    }
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

function abstractFrom(
  source: string,
  form: TexAbstract['form'],
  spans: SourceSpan[],
  lineAt: (offset: number) => number,
): TexAbstract | null {
  const groups = spans.map((s) => trimSpan(source, s)).filter((s) => s.end > s.start);
  const texts = groups.map((s) => latexToText(source.slice(s.start, s.end)));
  const kept = groups.filter((_, k) => texts[k] !== '');
  if (kept.length === 0) return null;
  const span = { start: kept[0]!.start, end: kept[kept.length - 1]!.end };
  return {
    kind: 'abstract',
    form,
    span,
    raw: source.slice(span.start, span.end),
    text: texts.filter((t) => t !== '').join(' '),
    line: lineAt(span.start),
    ...(form === 'aanda' ? { groups: kept } : {}),
  };
}

function environmentAbstracts(source: string, masked: string, lineAt: (o: number) => number): TexAbstract[] {
  const found: TexAbstract[] = [];
  const begin = /\\begin\s*\{abstract\}/g;
  const end = /\\end\s*\{abstract\}/g;
  let closesLeft = true;
  for (let m = begin.exec(masked); m; m = begin.exec(masked)) {
    const bodyStart = m.index + m[0].length;
    end.lastIndex = bodyStart;
    // Once no `\end{abstract}` follows, none follows any later `\begin` either: search no more (stays linear).
    const close = closesLeft ? end.exec(masked) : null;
    if (!close) closesLeft = false;
    // An environment never closed ends where the document's body moves on.
    const bodyEnd = close ? close.index : unclosedEnd(masked, bodyStart);
    const abstract = abstractFrom(source, 'environment', [{ start: bodyStart, end: bodyEnd }], lineAt);
    if (abstract) found.push(abstract);
    begin.lastIndex = close ? close.index + close[0].length : bodyEnd;
  }
  return found;
}

function unclosedEnd(masked: string, from: number): number {
  const next = /\\(?:begin\s*\{abstract\}|section\*?\s*\{|maketitle\b|end\s*\{document\})/g;
  next.lastIndex = from;
  const m = next.exec(masked);
  return m ? m.index : masked.length;
}

/** `\abstract{...}` (JCAP) and `\abstract{..}{..}{..}{..}{..}` (A&A), before `\maketitle` when there is one. */
function macroAbstracts(source: string, masked: string, lineAt: (o: number) => number): TexAbstract[] {
  const found: TexAbstract[] = [];
  const maketitle = /\\maketitle(?![A-Za-z@])/.exec(masked);
  const limit = maketitle ? maketitle.index : masked.length;
  const macro = /\\abstract(?![A-Za-z@])/g;
  let seen = 0;
  for (let m = macro.exec(masked); m && m.index < limit && seen < maxAbstractMacros; m = macro.exec(masked)) {
    seen++;
    if (isDefinition(masked, m.index)) continue;
    const groups: SourceSpan[] = [];
    let i = skipBlanks(masked, m.index + m[0].length);
    while (masked.charCodeAt(i) === 123 && groups.length < 6) {
      const close = matchingBrace(masked, i, Math.min(masked.length, i + maxGroupLength));
      if (close < 0) break;
      groups.push({ start: i + 1, end: close });
      i = skipBlanks(masked, close + 1);
    }
    if (groups.length === 0) continue;
    const abstract = abstractFrom(source, groups.length > 1 ? 'aanda' : 'macro', groups, lineAt);
    if (abstract) found.push(abstract);
    macro.lastIndex = Math.max(macro.lastIndex, i);
  }
  return found;
}

/** `\newcommand{\abstract}`, `\renewcommand\abstract`, `\def\abstract`: a definition, not a use. */
function isDefinition(masked: string, at: number): boolean {
  const before = masked.slice(Math.max(0, at - 40), at);
  return /\\(?:(?:re)?newcommand|providecommand|DeclareRobustCommand)\*?\s*\{?\s*$|\\(?:def|let|gdef|edef)\s*$/.test(
    before,
  );
}

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text.charAt(i))) i++;
  return i;
}

/** After `from`: any `[...]` optional arguments (at most `max`, each closing within the window). */
function skipOptionals(masked: string, from: number, max: number): number {
  let i = skipBlanks(masked, from);
  for (let k = 0; k < max && masked.charCodeAt(i) === 91; k++) {
    const close = indexWithin(masked, ']', i);
    if (close < 0) return i;
    i = skipBlanks(masked, close + 1);
  }
  return i;
}

/** `indexOf` that gives up after the citation window, so a file of unclosed commands stays linear. */
function indexWithin(text: string, char: string, from: number): number {
  const found = text.slice(from, from + citeWindow).indexOf(char);
  return found < 0 ? -1 : from + found;
}

function findTitle(source: string, masked: string): string | undefined {
  const title = /\\title(?![A-Za-z@])/g;
  for (let m = title.exec(masked); m; m = title.exec(masked)) {
    if (isDefinition(masked, m.index)) continue;
    const open = skipOptionals(masked, m.index + m[0].length, 1);
    if (masked.charCodeAt(open) !== 123) continue;
    const close = matchingBrace(masked, open, Math.min(masked.length, open + maxGroupLength));
    if (close < 0) return undefined;
    const text = latexToText(source.slice(open + 1, close));
    if (text !== '') return text;
  }
  return undefined;
}

function findCitations(masked: string, lineAt: (o: number) => number): TexCitation[] {
  const citations: TexCitation[] = [];
  const command = /\\([A-Za-z]+)(\*?)/g;
  for (let m = command.exec(masked); m; m = command.exec(masked)) {
    const name = m[1]!;
    if (!CITE_COMMAND.test(name) || name === 'citetext') continue;
    const open = skipOptionals(masked, m.index + m[0].length, 2);
    if (masked.charCodeAt(open) !== 123) continue;
    const close = indexWithin(masked, '}', open);
    if (close < 0) continue;
    let start = open + 1;
    for (let i = open + 1; i <= close; i++) {
      if (i < close && masked.charCodeAt(i) !== 44) continue;
      const span = trimSpan(masked, { start, end: i });
      const key = masked.slice(span.start, span.end);
      if (key !== '' && !/[\s#\\{]/.test(key)) {
        citations.push({ kind: 'cite', key, command: `${name}${m[2]}`, span, line: lineAt(span.start) });
      }
      start = i + 1;
    }
    command.lastIndex = close + 1;
  }
  return citations;
}

function findBibliographies(masked: string): string[] {
  const names: string[] = [];
  const command = /\\(?:bibliography|addbibresource|addglobalbib|addsectionbib)(?![A-Za-z@])/g;
  for (let m = command.exec(masked); m; m = command.exec(masked)) {
    const open = skipOptionals(masked, m.index + m[0].length, 1);
    if (masked.charCodeAt(open) !== 123) continue;
    const close = indexWithin(masked, '}', open);
    if (close < 0) continue;
    for (const part of masked.slice(open + 1, close).split(',')) {
      const name = part.trim();
      if (name !== '' && !names.includes(name)) names.push(name);
    }
  }
  return names;
}
