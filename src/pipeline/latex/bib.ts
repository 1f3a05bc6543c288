/**
 * BibTeX files as the explainer needs them: each entry's key, title, authors, year, abstract (plain text, and the
 * raw value's span for hovers), arXiv id and DOI. Written for the files people really have — Zotero, ADS, INSPIRE
 * and bibmanager exports, with CRLF, `@string` macros and `#` concatenation, stray lines between entries,
 * `@comment`/`@preamble` — and for broken ones: a brace left open ends at the next line that starts an entry, a
 * bad field is skipped to the next comma, and every such repair is reported as a problem with its line. Never
 * throws; one pass over the text. What the fields mean (arXiv id, DOI, authors) is bibFields.ts.
 */
import { arxivIdOf, doiOf, splitAuthors } from './bibFields';
import { latexToText } from './latexToText';
import { lineIndex, type SourceSpan } from './source';

export interface BibEntry {
  key: string;
  /** Lower case: `article`, `misc`, ... */
  type: string;
  /** From `@` to the closing delimiter. */
  span: SourceSpan;
  line: number;
  /** Lower-case names; raw values after `@string` expansion and `#` concatenation. */
  fields: Record<string, string>;
  title?: string;
  /** Plain text, "First Last". */
  authors: string[];
  year?: string;
  /** Plain text. */
  abstract?: string;
  /** The raw abstract value, inside its delimiters. */
  abstractSpan?: SourceSpan;
  /** Normalised, no version. */
  arxivId?: string;
  /** The version the entry names (`eprint = {1007.0324v2}`), when it names one. */
  arxivVersion?: number;
  doi?: string;
}

export interface BibProblem {
  line: number;
  reason: string;
}

export interface BibParse {
  entries: BibEntry[];
  problems: BibProblem[];
}

/** BibTeX's predefined month macros. */
const MONTHS: Readonly<Record<string, string>> = {
  jan: 'January',
  feb: 'February',
  mar: 'March',
  apr: 'April',
  may: 'May',
  jun: 'June',
  jul: 'July',
  aug: 'August',
  sep: 'September',
  oct: 'October',
  nov: 'November',
  dec: 'December',
};

const ENTRY_START = /@\s*([A-Za-z][\w-]*)\s*([{(])/y;
const KEY_IN_BRACES = /[^,\s}]*/y;
const KEY_IN_PARENS = /[^,\s)]*/y;
/** A line that starts a new entry: where a value left open is taken to have ended. */
const NEW_ENTRY_LINE = /\n[ \t]*@\s*[A-Za-z][\w-]*\s*[{(]/y;

interface Value {
  text: string;
  span: SourceSpan;
}

export function parseBib(text: string): BibParse {
  const source = typeof text === 'string' ? text : '';
  const parser = new BibParser(source);
  try {
    parser.run();
  } catch (error) {
    // Not expected; what was parsed before stays usable.
    parser.problems.push({ line: 1, reason: `parser stopped early: ${String(error)}` });
  }
  return { entries: parser.entries, problems: parser.problems };
}

class BibParser {
  readonly entries: BibEntry[] = [];
  readonly problems: BibProblem[] = [];
  private readonly strings = new Map<string, string>();
  private readonly lineAt: (offset: number) => number;
  private pos = 0;

  constructor(private readonly src: string) {
    this.lineAt = lineIndex(src);
  }

  run(): void {
    if (this.src.slice(0, 8192).includes('\u0000')) {
      this.problem(0, 'binary data (NUL bytes): not a BibTeX file');
      return;
    }
    while (this.pos < this.src.length) {
      const at = this.src.indexOf('@', this.pos);
      if (at < 0) break;
      ENTRY_START.lastIndex = at;
      const m = ENTRY_START.exec(this.src);
      if (!m) {
        this.pos = at + 1; // an `@` in text between entries (an e-mail address, a stray line)
        continue;
      }
      const type = m[1]!.toLowerCase();
      const closer = m[2] === '{' ? '}' : ')';
      this.pos = at + m[0].length;
      if (type === 'comment' || type === 'preamble') this.skipBlock(at, closer);
      else if (type === 'string') this.stringDefinition(closer);
      else this.entry(at, type, closer);
    }
    if (this.entries.length === 0 && this.src.trim() !== '') this.problem(0, 'no BibTeX entries found');
  }

  private problem(offset: number, reason: string): void {
    this.problems.push({ line: this.lineAt(offset), reason });
  }

  private skipBlank(): void {
    const src = this.src;
    while (this.pos < src.length) {
      const c = src.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) this.pos++;
      else if (c === 37) {
        // `%` lines inside an entry: biber reads them as comments, and so do we.
        const eol = src.indexOf('\n', this.pos);
        this.pos = eol < 0 ? src.length : eol + 1;
      } else break;
    }
  }

  /** True when a new entry starts on the line beginning at `i` (which holds `\n`). */
  private newEntryAt(i: number): boolean {
    NEW_ENTRY_LINE.lastIndex = i;
    return NEW_ENTRY_LINE.test(this.src);
  }

  /** `@comment{...}` / `@preamble{...}`: skipped whole (a broken one up to the next entry line). */
  private skipBlock(at: number, closer: string): void {
    const end = this.balanced(this.pos, closer);
    if (end.closed) this.pos = end.index + 1;
    else {
      this.problem(at, 'unclosed @comment or @preamble');
      this.pos = end.index;
    }
  }

  /**
   * Scans from `from` for `closer` at brace depth 0. Stops early (closed: false) at a line that starts a new
   * entry, or at the end of the text.
   */
  private balanced(from: number, closer: string): { index: number; closed: boolean } {
    const src = this.src;
    const close = closer.charCodeAt(0);
    let depth = 0;
    for (let i = from; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c === 123) depth++;
      else if (c === 125 && depth > 0) depth--;
      else if (c === close && depth === 0) return { index: i, closed: true };
      else if (c === 10 && this.newEntryAt(i)) return { index: i, closed: false };
    }
    return { index: src.length, closed: false };
  }

  private stringDefinition(closer: string): void {
    const start = this.pos;
    this.skipBlank();
    const name = this.fieldName();
    this.skipBlank();
    if (name === '' || this.src[this.pos] !== '=') {
      this.problem(start, 'malformed @string');
      this.recover(closer);
      if (this.src[this.pos] === closer) this.pos++;
      return;
    }
    this.pos++;
    const value = this.value(closer);
    if (value) this.strings.set(name.toLowerCase(), value.text);
    this.skipBlank();
    if (this.src[this.pos] === closer) this.pos++;
    else this.recover(closer);
  }

  private fieldName(): string {
    const m = /[A-Za-z0-9_:.+\-/]*/y;
    m.lastIndex = this.pos;
    const found = m.exec(this.src)![0];
    this.pos += found.length;
    return found;
  }

  private entry(at: number, type: string, closer: string): void {
    const src = this.src;
    this.skipBlank();
    const keyMatch = closer === '}' ? KEY_IN_BRACES : KEY_IN_PARENS;
    keyMatch.lastIndex = this.pos;
    const key = keyMatch.exec(src)![0];
    this.pos += key.length;
    this.skipBlank();
    if (key === '' || key.includes('=') || (src[this.pos] !== ',' && src[this.pos] !== closer)) {
      this.problem(at, `@${type} entry without a key: skipped`);
      const end = this.balanced(this.pos, closer);
      this.pos = end.closed ? end.index + 1 : end.index;
      return;
    }
    const fields: Record<string, string> = {};
    let abstractSpan: SourceSpan | undefined;
    let closed = false;
    while (this.pos < src.length) {
      this.skipBlank();
      const c = src[this.pos];
      if (c === undefined) break;
      if (c === closer) {
        this.pos++;
        closed = true;
        break;
      }
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '@') break; // the next entry began before this one closed
      const nameAt = this.pos;
      const name = this.fieldName().toLowerCase();
      this.skipBlank();
      if (name === '' || src[this.pos] !== '=') {
        this.problem(
          nameAt,
          `entry ${key}: unexpected text ${JSON.stringify(src.slice(nameAt, nameAt + 20))}`,
        );
        if (!this.recover(closer)) break;
        continue;
      }
      this.pos++;
      const value = this.value(closer);
      if (!value) {
        this.problem(nameAt, `entry ${key}: field "${name}" has an unclosed value`);
        if (!this.recover(closer)) break;
        continue;
      }
      if (fields[name] !== undefined) continue; // BibTeX keeps the first of a repeated field
      fields[name] = value.text;
      if (name === 'abstract') abstractSpan = value.span;
    }
    if (!closed) this.problem(at, `entry ${key} is not closed`);
    this.entries.push(this.derive(key, type, { start: at, end: this.pos }, fields, abstractSpan));
  }

  /**
   * After a bad field: on to the next `,` or the entry's closer at depth 0 (true), or stop at a line that starts
   * a new entry / the end of the text (false: the entry ends there).
   */
  private recover(closer: string): boolean {
    const src = this.src;
    let depth = 0;
    for (let i = this.pos; i < src.length; i++) {
      const c = src[i];
      if (c === '\n' && this.newEntryAt(i)) {
        this.pos = i;
        return false;
      }
      if (c === '{') depth++;
      else if (c === '}' && depth > 0) depth--;
      else if (depth === 0 && (c === ',' || c === closer)) {
        this.pos = i;
        return true;
      }
    }
    this.pos = src.length;
    return false;
  }

  /** A value: `{...}`, `"..."`, a number or a macro, joined by `#`. Null when a delimiter is left open. */
  private value(closer: string): Value | null {
    const parts: string[] = [];
    let start = -1;
    let end = -1;
    for (;;) {
      this.skipBlank();
      const c = this.src[this.pos];
      if (c === '{' || c === '"') {
        const close = this.delimited(c === '{' ? '}' : '"');
        if (close < 0) return null;
        if (start < 0) start = this.pos + 1;
        end = close;
        parts.push(this.src.slice(this.pos + 1, close));
        this.pos = close + 1;
      } else {
        const m = /[^\s,#{}()"=]+/y;
        m.lastIndex = this.pos;
        const word = m.exec(this.src)?.[0] ?? '';
        if (word === '' || word === closer) break;
        if (start < 0) start = this.pos;
        end = this.pos + word.length;
        parts.push(this.macro(word));
        this.pos += word.length;
      }
      this.skipBlank();
      if (this.src[this.pos] !== '#') break;
      this.pos++;
    }
    if (start < 0) return { text: '', span: { start: this.pos, end: this.pos } };
    return { text: parts.join(''), span: { start, end } };
  }

  /** Index of the delimiter closing the value that opens at `this.pos`, or -1 (the value is left open). */
  private delimited(closer: '}' | '"'): number {
    const src = this.src;
    let depth = closer === '}' ? 1 : 0;
    for (let i = this.pos + 1; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c === 123) depth++;
      else if (c === 125) {
        depth--;
        if (closer === '}' && depth === 0) return i;
        if (depth < 0) return -1;
      } else if (c === 34 && closer === '"' && depth === 0) return i;
      else if (c === 10 && this.newEntryAt(i)) return -1;
    }
    return -1;
  }

  private macro(word: string): string {
    if (/^\d+$/.test(word)) return word;
    const name = word.toLowerCase();
    const value = this.strings.get(name) ?? MONTHS[name];
    if (value !== undefined) return value;
    this.problem(this.pos, `undefined @string macro "${word}"`);
    return '';
  }

  private derive(
    key: string,
    type: string,
    span: SourceSpan,
    fields: Record<string, string>,
    abstractSpan: SourceSpan | undefined,
  ): BibEntry {
    const plain = (value: string | undefined) =>
      value === undefined ? '' : latexToText(value, { comments: false });
    const entry: BibEntry = { key, type, span, line: this.lineAt(span.start), fields, authors: [] };
    const title = plain(fields['title']);
    if (title !== '') entry.title = title;
    entry.authors = splitAuthors(fields['author'] ?? '');
    const year = /\d{4}/.exec(fields['year'] ?? '')?.[0] ?? /^\s*(\d{4})/.exec(fields['date'] ?? '')?.[1];
    if (year) entry.year = year;
    const abstract = plain(fields['abstract']);
    if (abstract !== '' && abstractSpan) {
      entry.abstract = abstract;
      entry.abstractSpan = abstractSpan;
    }
    const arxiv = arxivIdOf(fields);
    if (arxiv) {
      entry.arxivId = arxiv.id;
      if (arxiv.version !== null) entry.arxivVersion = arxiv.version;
    }
    const doi = doiOf(fields);
    if (doi) entry.doi = doi;
    return entry;
  }
}
