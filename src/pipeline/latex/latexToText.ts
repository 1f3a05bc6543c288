/**
 * LaTeX to the plain text the model reads — one function for .tex abstracts, .bib fields and imported abstracts.
 * Accents become Unicode, simple math becomes readable (`$\sim 60\%$` → `~60%`, `$M_\odot$` → `M☉`), references,
 * footnotes and citations disappear, formatting keeps its text, and an unknown macro keeps the text of its
 * arguments and loses its name, so no LaTeX command reaches the model. Total (any input, never throws) and
 * linear in the input: braces are matched once up front, optional arguments are looked for in a bounded window,
 * and nesting deeper than a fixed limit is read flat instead of recursed into.
 */
import {
  ACCENTS,
  CITE_COMMAND,
  DROPPED_WITH_ARGS,
  FUNCTION_NAMES,
  JOURNALS,
  KEEP_LAST_ARG,
  LETTER_MACROS,
  MATH_ENVIRONMENTS,
  SYMBOLS,
} from './latexSymbols';
import { formatSiNumber, formatSiUnit } from './siunitx';
import { isSpace } from './source';
import { unescapeExported } from './unescapeExported';

export interface LatexToTextOptions {
  /**
   * Whether `%` starts a comment, as in a .tex file (the default). .bib values and imported abstracts pass false:
   * there a bare `%` is a percent sign (BibTeX does not strip comments inside values).
   */
  comments?: boolean;
}

/** How deep known commands are followed into their arguments; deeper text is read flat (names dropped). */
const maxDepth = 48;
/** How far ahead an optional `[...]` argument may close; a lone `[` never swallows the rest of the text. */
const optionalArgWindow = 2000;
/** Characters that end a run of plain text in the main loop. */
const special = /[\\{}$%~^_\-`'\s\p{Cc}]/gu;
/** The same, less ASCII whitespace: text without any of these reads the same after tidy alone. */
const ANY_SPECIAL = /[\\{}$%~^_\-`']|(?![\t\n\v\f\r])\p{Cc}/u;

/** Text that `tidy` would change: blanks to collapse or trim, brackets, a blank before punctuation, non-ASCII. */
const TIDY_CHANGES = /[\t\n\v\f\r]| {2}|^ | $|[([]| [,.;:!?)\]]|[^\x20-\x7e]/;

/** Relations and binary operators: spaced like their left side in math (see keepsSpaceAfter). */
const OPERATORS = /^[~≈≅≲≳≤≥<>≪≫≠≡∝×±∓·÷*⋆∘→←↔⇒⇐⇔↦∈∉⊂⊆⊃∪∩∧∨|]$/u;

const textModeCommands = new Set([
  'text',
  'textrm',
  'textit',
  'textbf',
  'textsf',
  'texttt',
  'textsc',
  'textsl',
  'textup',
  'textmd',
  'textnormal',
  'emph',
  'mbox',
  'hbox',
  'intertext',
]);
const delimiterSizers = new Set([
  'left',
  'right',
  'bigl',
  'bigr',
  'Bigl',
  'Bigr',
  'biggl',
  'biggr',
  'middle',
]);
const siunitxCommands = new Set([
  'SI',
  'qty',
  'si',
  'unit',
  'num',
  'SIrange',
  'qtyrange',
  'numrange',
  'SIlist',
  'qtylist',
  'numlist',
  'ang',
]);
const starredCommands = new Set(['vspace', 'hspace', 'section', 'subsection', 'subsubsection', 'paragraph']);

interface State {
  end: number;
  math: boolean;
  /** Index in `out` where the current math began: a symbol first in its formula is a prefix (`~60`). */
  mathStart: number;
  depth: number;
  out: string[];
}

interface Arg {
  start: number;
  end: number;
  next: number;
  kind: 'group' | 'token' | 'none';
}

export function latexToText(latex: string, options: LatexToTextOptions = {}): string {
  if (typeof latex !== 'string' || latex === '') return '';
  const comments = options.comments ?? true;
  // Most names and many titles hold nothing for the converter to do (a .bib has thousands of them).
  if (!ANY_SPECIAL.test(latex)) return TIDY_CHANGES.test(latex) ? tidy(latex) : latex;
  try {
    return tidy(new Converter(unescapeExported(latex), comments, 0).run());
  } catch {
    // Unreachable by design; a last resort so that no input can make the caller's hover or import fail.
    return tidy(latex.replace(/\\[A-Za-z]+|[\\{}$]/g, ' '));
  }
}

/** Whitespace collapsed, accents composed, and the stray spaces dropped references leave before punctuation. */
function tidy(text: string): string {
  return (
    text
      .normalize('NFC')
      .replace(/[\t\n\v\f\r ]+/g, ' ')
      .replace(/\(\s*\)|\[\s*\]/g, '')
      .replace(/ +([,.;:!?)\]])(?=[\s,.;:!?)\]]|$)/g, '$1')
      .replace(/([([]) +/g, '$1')
      .replace(/ {2,}/g, ' ')
      // A backslash that meets a letter only in the output (`\verb|\|` before text) must not read as a command.
      .replace(/\\+(?=[A-Za-z])/g, '')
      .trim()
  );
}

/** For each `{`, the index of the `}` that closes it (-1 when none does); escapes and comments respected. */
function matchBraces(src: string, comments: boolean): Int32Array {
  const close = new Int32Array(src.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 123) stack.push(i);
    else if (c === 125) {
      const open = stack.pop();
      if (open !== undefined) close[open] = i;
    } else if (c === 37 && comments) {
      while (i < src.length && src.charCodeAt(i) !== 10) i++;
    }
  }
  return close;
}

/** Verbatim text (URLs, \verb) as written, except that no backslash may precede a letter in plain text. */
function verbatim(text: string): string {
  return text.replace(/\\+(?=[A-Za-z])/g, '');
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Text that reads unambiguously after `^`, `_` or `/` without parentheses. */
function isSimple(s: string): boolean {
  return /^[-+−]?[\p{L}\p{N}.,*′☉⊕]+$/u.test(s);
}

class Converter {
  private readonly close: Int32Array;

  constructor(
    private readonly src: string,
    private readonly comments: boolean,
    private readonly baseDepth: number,
  ) {
    this.close = matchBraces(src, comments);
  }

  run(): string {
    return this.convert(0, this.src.length, false, this.baseDepth);
  }

  /** Converts src[start, end) in the given mode. */
  private convert(start: number, end: number, math: boolean, depth: number): string {
    const st: State = { end, math, mathStart: 0, depth, out: [] };
    let i = start;
    while (i < end) i = this.step(st, i);
    return st.out.join('');
  }

  /** A separate conversion of a short piece of source text (siunitx arguments), in text mode, one level deeper. */
  private sub(text: string, depth: number): string {
    if (depth >= maxDepth) return text.replace(/\\[A-Za-z]+|[\\{}$]/g, ' ');
    const inner = new Converter(text, this.comments, depth + 1);
    return inner.convert(0, text.length, false, depth + 1);
  }

  private step(st: State, i: number): number {
    const src = this.src;
    const c = src.charCodeAt(i);
    switch (c) {
      case 92: // \
        return this.controlSequence(st, i);
      case 123: // {
      case 125: // }
        return i + 1;
      case 36: // $
        this.setMath(st, !st.math);
        return src.charCodeAt(i + 1) === 36 && i + 1 < st.end ? i + 2 : i + 1;
      case 37: // %
        if (!this.comments) {
          st.out.push('%');
          return i + 1;
        }
        return this.skipComment(i, st.end);
      case 126: // ~
        st.out.push(this.isApproximately(st, i) ? '~' : ' ');
        return i + 1;
      case 94: // ^
      case 95: // _
        if (st.math) return this.script(st, i);
        st.out.push(src[i]!);
        return i + 1;
      case 45: // -
        return this.dashes(st, i);
      case 96: // `
      case 39: // '
        return this.quotes(st, i);
      default:
        break;
    }
    if (isSpace(c)) {
      st.out.push(' ');
      let j = i + 1;
      while (j < st.end && isSpace(src.charCodeAt(j))) j++;
      return j;
    }
    if (c < 32 || c === 127) return i + 1; // control characters (binary input) are dropped
    special.lastIndex = i + 1;
    const m = special.exec(src);
    const next = m && m.index < st.end ? m.index : st.end;
    st.out.push(src.slice(i, next));
    return next;
  }

  /**
   * A tie joins two words (`Fig.~2`, `Pop.~III`); arXiv abstracts, written as plain text, also use `~` for
   * "approximately" (`sizes of ~22 AU`, `(~0.8 micron)`): a tilde after a blank or an opening bracket and before a
   * number is kept.
   */
  private isApproximately(st: State, i: number): boolean {
    if (st.math) return false;
    const before = i === 0 ? 32 : this.src.charCodeAt(i - 1);
    const after = this.src.charCodeAt(i + 1);
    return (isSpace(before) || before === 40 || before === 91) && after >= 48 && after <= 57;
  }

  /** `%` to the end of the line, and (as TeX does) the line break and the next line's indentation. */
  private skipComment(i: number, end: number): number {
    let j = i;
    while (j < end && this.src.charCodeAt(j) !== 10) j++;
    if (j < end) j++;
    while (j < end && (this.src.charCodeAt(j) === 32 || this.src.charCodeAt(j) === 9)) j++;
    return j;
  }

  private dashes(st: State, i: number): number {
    let j = i;
    while (j < st.end && this.src.charCodeAt(j) === 45 && j - i < 3) j++;
    const n = j - i;
    st.out.push(st.math || n === 1 ? '-'.repeat(n) : n === 2 ? '–' : '—');
    return j;
  }

  private quotes(st: State, i: number): number {
    const c = this.src[i];
    const doubled = this.src[i + 1] === c && i + 1 < st.end;
    if (st.math) {
      st.out.push(c === "'" ? (doubled ? '″' : '′') : c!);
    } else st.out.push(doubled ? '"' : "'"); // plain ASCII quotes: `` and '' read ", ` and ' read '
    return doubled ? i + 2 : i + 1;
  }

  /** Whitespace and (when on) comments from i; returns the first other position. */
  private skipBlank(i: number, end: number): number {
    let j = i;
    while (j < end) {
      const c = this.src.charCodeAt(j);
      if (isSpace(c)) j++;
      else if (c === 37 && this.comments) j = this.skipComment(j, end);
      else break;
    }
    return j;
  }

  /** One argument: a braced group (unclosed → to the end), a control sequence, or one character. */
  private readArg(st: State, from: number): Arg {
    const i = this.skipBlank(from, st.end);
    if (i >= st.end) return { start: i, end: i, next: i, kind: 'none' };
    const c = this.src.charCodeAt(i);
    if (c === 123) {
      const close = this.close[i]!;
      const end = close < 0 || close >= st.end ? st.end : close;
      return { start: i + 1, end, next: Math.min(end + 1, st.end), kind: 'group' };
    }
    if (c === 125) return { start: i, end: i, next: i, kind: 'none' };
    if (c === 92) {
      let j = i + 1;
      if (j < st.end && isLetter(this.src.charCodeAt(j))) {
        while (j < st.end && isLetter(this.src.charCodeAt(j))) j++;
      } else j = Math.min(j + 1, st.end);
      return { start: i, end: j, next: j, kind: 'token' };
    }
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < st.end ? 2 : 1;
    return { start: i, end: i + width, next: i + width, kind: 'token' };
  }

  /** Skips one `[...]` optional argument when one closes within the window; returns its range or null. */
  private readOptional(st: State, from: number): { start: number; end: number; next: number } | null {
    const i = this.skipBlank(from, st.end);
    if (this.src.charCodeAt(i) !== 91 || i >= st.end) return null;
    const limit = Math.min(st.end, i + optionalArgWindow);
    for (let j = i + 1; j < limit; j++) {
      const c = this.src.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 123) {
        const close = this.close[j]!;
        if (close < 0 || close >= limit) return null;
        j = close;
      } else if (c === 93) return { start: i + 1, end: j, next: j + 1 };
    }
    return null;
  }

  private skipOptionals(st: State, from: number, max = 2): number {
    let i = from;
    for (let k = 0; k < max; k++) {
      const opt = this.readOptional(st, i);
      if (!opt) break;
      i = opt.next;
    }
    return i;
  }

  private argText(st: State, arg: Arg, math = st.math): string {
    if (arg.kind === 'none') return '';
    return this.convert(arg.start, arg.end, math, st.depth + 1);
  }

  private controlSequence(st: State, i: number): number {
    const src = this.src;
    if (i + 1 >= st.end) return i + 1;
    const n = src.charCodeAt(i + 1);
    if (!isLetter(n)) return this.controlSymbol(st, i);
    let j = i + 1;
    while (j < st.end && isLetter(src.charCodeAt(j))) j++;
    const name = src.slice(i + 1, j);
    if (src.charCodeAt(j) === 42 && j < st.end && (CITE_COMMAND.test(name) || starredCommands.has(name))) j++;
    // TeX ignores blanks after a control word; whether there were any decides the spacing of what it prints.
    const after = this.skipBlank(j, st.end);
    const hadSpace = after > j;
    if (st.depth >= maxDepth) {
      if (hadSpace) st.out.push(' ');
      return after;
    }
    const handled = this.command(st, name, j);
    if (handled !== null) return handled;
    if (name === 'textasciitilde' && isLetter(src.charCodeAt(after))) {
      // A literal tilde before a word was a tie in the text it was escaped from (`$5\sigma$~mag`).
      st.out.push(' ');
      return after;
    }
    if (FUNCTION_NAMES.has(name)) {
      st.out.push(name, hadSpace ? ' ' : '');
      return after;
    }
    const symbol = SYMBOLS[name] ?? JOURNALS[name];
    if (symbol !== undefined) {
      st.out.push(symbol);
      if (hadSpace && this.keepsSpaceAfter(st, name, symbol)) st.out.push(' ');
      return after;
    }
    // Unknown: drop the name; its arguments are ordinary groups and keep their text.
    if (delimiterSizers.has(name) && src.charCodeAt(after) === 46) return after + 1;
    if (hadSpace) st.out.push(' ');
    return after;
  }

  /**
   * Whether the blank after a symbol survives. Letters (`\\ss`) belong to their word; in math an operator that
   * opens its formula is a prefix (`$\\sim 60$` → `~60`), and any other is spaced on the right only when it is spaced
   * on the left (`2\\times 3` → `2×3`, `a \\approx b` → `a ≈ b`), as TeX's own spacing would show it.
   */
  private keepsSpaceAfter(st: State, name: string, symbol: string): boolean {
    if (LETTER_MACROS.has(name)) return false;
    if (!st.math || !OPERATORS.test(symbol)) return true;
    const before = st.out.slice(st.mathStart, st.out.length - 1).join('');
    return before.trim() !== '' && before.endsWith(' ');
  }

  private setMath(st: State, on: boolean): void {
    if (on && !st.math) st.mathStart = st.out.length;
    st.math = on;
  }

  /** Commands with arguments; null when `name` is none of them. */
  private command(st: State, name: string, j: number): number | null {
    if (name === 'begin' || name === 'end') return this.environment(st, name, j);
    if (CITE_COMMAND.test(name)) {
      if (name === 'citetext') return this.readArg(st, j).next;
      return this.readArg(st, this.skipOptionals(st, j)).next;
    }
    const dropped = DROPPED_WITH_ARGS[name];
    if (dropped !== undefined) {
      let i = j;
      for (let k = 0; k < dropped; k++) i = this.readArg(st, this.skipOptionals(st, i)).next;
      if (name === 'vskip' || name === 'hskip') {
        const dim = /^\s*-?[\d.]+\s*[a-z]{2}/.exec(this.src.slice(i, Math.min(i + 40, st.end)));
        if (dim) i += dim[0].length;
      }
      return i;
    }
    const keepAfter = KEEP_LAST_ARG[name];
    if (keepAfter !== undefined) {
      let i = this.skipOptionals(st, j);
      for (let k = 0; k < keepAfter; k++) i = this.readArg(st, this.skipOptionals(st, i)).next;
      const arg = this.readArg(st, this.skipOptionals(st, i));
      st.out.push(this.argText(st, arg));
      return arg.next;
    }
    const accent = ACCENTS[name];
    if (accent !== undefined) return this.accent(st, accent, j);
    if (siunitxCommands.has(name)) return this.siunitx(st, name, j);
    if (st.math && textModeCommands.has(name)) {
      const arg = this.readArg(st, j);
      st.out.push(this.argText(st, arg, false));
      return arg.next;
    }
    switch (name) {
      case 'ensuremath': {
        const arg = this.readArg(st, j);
        st.out.push(this.argText(st, arg, true));
        return arg.next;
      }
      case 'frac':
      case 'dfrac':
      case 'tfrac':
      case 'cfrac': {
        const a = this.readArg(st, j);
        const b = this.readArg(st, a.next);
        st.out.push(`${this.wrapped(st, a)}/${this.wrapped(st, b)}`);
        return b.next;
      }
      case 'sqrt': {
        const arg = this.readArg(st, this.skipOptionals(st, j, 1));
        st.out.push(`√${this.wrapped(st, arg)}`);
        return arg.next;
      }
      case 'textsuperscript':
      case 'textsubscript': {
        const arg = this.readArg(st, j);
        const text = this.argText(st, arg).trim();
        if (text !== '') st.out.push(`${name === 'textsuperscript' ? '^' : '_'}${text}`);
        return arg.next;
      }
      case 'url':
      case 'path': {
        const arg = this.readArg(st, j);
        if (arg.kind === 'group') st.out.push(verbatim(this.src.slice(arg.start, arg.end)));
        return arg.next;
      }
      case 'verb': {
        const delim = this.src[j];
        const close = delim === undefined ? -1 : this.src.indexOf(delim, j + 1);
        if (close < 0 || close >= st.end) return j + 1;
        st.out.push(verbatim(this.src.slice(j + 1, close)));
        return close + 1;
      }
      case 'item': {
        const opt = this.readOptional(st, j);
        st.out.push(' ');
        if (!opt) return j;
        st.out.push(this.convert(opt.start, opt.end, st.math, st.depth + 1), ' ');
        return opt.next;
      }
      case 'title':
      case 'section':
      case 'subsection':
      case 'subsubsection':
      case 'paragraph':
      case 'caption': {
        const arg = this.readArg(st, this.skipOptionals(st, j, 1));
        st.out.push(' ', this.argText(st, arg), ' ');
        return arg.next;
      }
      default:
        return null;
    }
  }

  private wrapped(st: State, arg: Arg): string {
    const text = this.argText(st, arg).trim();
    return isSimple(text) || text === '' ? text : `(${text})`;
  }

  private environment(st: State, name: 'begin' | 'end', j: number): number {
    const arg = this.readArg(st, j);
    const env = arg.kind === 'group' ? this.src.slice(arg.start, arg.end).trim() : '';
    let next = arg.next;
    if (MATH_ENVIRONMENTS.has(env)) this.setMath(st, name === 'begin');
    if (name === 'begin' && /^(?:tabular|array|tabularx|longtable)\*?$/.test(env)) {
      next = this.skipOptionals(st, next, 1);
      if (env === 'tabularx') next = this.readArg(st, next).next;
      next = this.readArg(st, next).next;
    }
    st.out.push(' ');
    return next;
  }

  private controlSymbol(st: State, i: number): number {
    const ch = this.src[i + 1]!;
    const mark = ACCENTS[ch];
    if (mark !== undefined) return this.accent(st, mark, i + 2);
    switch (ch) {
      case '%':
      case '&':
      case '$':
      case '_':
      case '#':
      case '{':
      case '}':
        st.out.push(ch);
        return i + 2;
      case ',':
      case ';':
      case ':':
      case '>':
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        st.out.push(' ');
        return i + 2;
      case '\\': {
        st.out.push(' ');
        let next = i + 2;
        if (this.src[next] === '*') next++;
        const opt = this.readOptional(st, next);
        return opt ? opt.next : next;
      }
      case '|':
        st.out.push('‖');
        return i + 2;
      case '(':
      case '[':
        this.setMath(st, true);
        return i + 2;
      case ')':
      case ']':
        this.setMath(st, false);
        return i + 2;
      default:
        // \! \- \/ \@ and anything else print nothing
        return i + 2;
    }
  }

  /** An accent on the next letter or group: the letter, then the combining mark (composed by NFC later). */
  private accent(st: State, mark: string, from: number): number {
    const arg = this.readArg(st, from);
    let base =
      arg.kind === 'token' && this.src[arg.start] === '\\'
        ? (SYMBOLS[this.src.slice(arg.start + 1, arg.end)] ?? '')
        : this.argText(st, arg);
    base = base.replace(/^\s+/, '');
    if (base === '') {
      if (mark === '\u0303') st.out.push('~');
      else if (mark === '\u0302') st.out.push('^');
      return arg.next;
    }
    base = base.replace(/^ı/, 'i').replace(/^ȷ/, 'j');
    // After the first letter and any marks it already carries (`\~{\^e}` → e, ̂, ̃ → ễ).
    const first = /^[\s\S][\u0300-\u036f\u20d0-\u20ff]*/u.exec(base)![0].length;
    st.out.push(base.slice(0, first), mark, base.slice(first));
    return arg.next;
  }

  /** `^x` / `_x` in math: `10^{5}` → `10^5`, `M_\odot` → `M☉`, `^\circ` → `°`, complex scripts in parentheses. */
  private script(st: State, i: number): number {
    const sign = this.src[i]!;
    const arg = this.readArg(st, i + 1);
    const text = this.argText(st, arg, true).trim();
    if (text === '') return arg.next;
    if (sign === '^' && (text === '∘' || text === '°')) st.out.push('°');
    else if (sign === '^' && (text === '′' || text === '″')) st.out.push(text);
    else if (sign === '_' && (text === '☉' || text === '⊕')) st.out.push(text);
    else st.out.push(sign, isSimple(text) ? text : `(${text})`);
    return arg.next;
  }

  /** siunitx: `\SI{2}{Myr}` → `2 Myr`, `\si{\km\per\s}` → `km s^-1`, `\num{1e5}` → `10^5`, ranges with `–`. */
  private siunitx(st: State, name: string, j: number): number {
    const toText = (latex: string) => this.sub(latex, st.depth);
    const raw = (arg: Arg) => (arg.kind === 'none' ? '' : this.src.slice(arg.start, arg.end));
    const number = (arg: Arg) => formatSiNumber(raw(arg), toText);
    const list = (arg: Arg) =>
      raw(arg)
        .split(';')
        .map((part) => formatSiNumber(part, toText))
        .join(', ');
    const first = this.readArg(st, this.skipOptionals(st, j, 1));
    let next = first.next;
    let text: string;
    if (name === 'si' || name === 'unit') text = formatSiUnit(raw(first), toText);
    else if (name === 'num') text = number(first);
    else if (name === 'numlist') text = list(first);
    else if (name === 'ang') {
      const parts = raw(first).split(';');
      text = parts
        .map((p, k) => (p.trim() === '' ? '' : `${formatSiNumber(p, toText)}${['°', '′', '″'][k] ?? ''}`))
        .join('');
    } else if (name === 'numrange') {
      const second = this.readArg(st, next);
      next = second.next;
      text = `${number(first)}–${number(second)}`;
    } else if (name === 'SIrange' || name === 'qtyrange') {
      const second = this.readArg(st, next);
      const unit = this.readArg(st, second.next);
      next = unit.next;
      text = `${number(first)}–${number(second)} ${formatSiUnit(raw(unit), toText)}`;
    } else {
      const unit = this.readArg(st, next);
      next = unit.next;
      const amount = name === 'SIlist' || name === 'qtylist' ? list(first) : number(first);
      const symbol = formatSiUnit(raw(unit), toText);
      text = symbol === '%' || symbol === '°' ? `${amount}${symbol}` : `${amount} ${symbol}`;
    }
    st.out.push(text.trim());
    return next;
  }
}
