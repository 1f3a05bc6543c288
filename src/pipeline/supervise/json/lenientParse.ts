/**
 * One forgiving grammar for "JSON as language models and Python write it": strict JSON plus Python literals
 * (single/triple-quoted strings, True/False/None, tuples, implicit string concatenation) plus the slips models
 * make (trailing commas, smart quotes, raw newlines and stray quotes inside strings, unquoted keys).
 * Parsing, rather than rewriting the text with regexes, keeps string contents intact, and every deviation from
 * JSON is recorded so callers can report what was repaired. A text that ends before the value closes is an
 * error (`truncated`), never silently closed.
 */

import { type JsonValue, LenientParseError, type LenientParseResult, type Repair } from './lenientTypes';

export { type JsonValue, LenientParseError, type LenientParseResult, type Repair } from './lenientTypes';

/** Nesting deeper than this is refused rather than risking the stack on adversarial text. */
const MAX_DEPTH = 256;

/** Opening quote → closing quote. Smart quotes only delimit when a value is expected, so apostrophes stay content. */
const QUOTES: Record<string, string> = { '"': '"', "'": "'", '\u201c': '\u201d', '\u2018': '\u2019' };

/** After a genuine closing quote the next non-blank character is one of these (or the text ends). */
const AFTER_STRING = new Set([',', '}', ']', ')', ':', '"', "'", '\u201c', '\u2018']);

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  v: '\v',
};

/**
 * Parses one value starting at `start` (leading whitespace skipped). With `allowTrailing` the text after the
 * value is ignored (the caller decides what it means); otherwise only whitespace may follow.
 */
export function lenientParse(text: string, start = 0, allowTrailing = false): LenientParseResult {
  // A quote followed by "," may close the string or be content ("the stars', which"). The first pass
  // takes it as closing; when parsing then fails, the last such close before the failure is re-read as
  // content and the parse tried again, a bounded number of times.
  const forced = new Set<number>();
  let firstError: LenientParseError | null = null;
  for (let attempt = 0; attempt <= MAX_REREADS; attempt++) {
    const parser = new Parser(text, start, forced);
    try {
      const value = parser.value(0);
      const end = parser.pos;
      if (!allowTrailing) {
        parser.skipBlank();
        if (parser.pos < text.length) parser.fail(`unexpected ${describe(text, parser.pos)} after the value`);
      }
      if (forced.size > 0) parser.used.add('unescaped-quotes');
      return { value, end, repairs: [...parser.used] };
    } catch (error) {
      if (!(error instanceof LenientParseError)) throw error;
      firstError ??= error;
      // A cut-off text stays a cut-off text; and a re-read that runs off the end was a wrong guess.
      if (error.truncated) break;
      const candidate = parser.closes.filter((at) => at < error.offset).pop();
      if (candidate === undefined) break;
      forced.add(candidate);
    }
  }
  throw firstError ?? new LenientParseError('unparsable text', start, false);
}

/** Re-reads of an ambiguous closing quote per parse; each costs one more pass over the text. */
const MAX_REREADS = 16;

class Parser {
  readonly used = new Set<Repair>();
  /** Offsets of quotes taken as closing a string just before a comma, in order: the ambiguous closes. */
  readonly closes: number[] = [];
  constructor(
    readonly text: string,
    public pos: number,
    /** Closing-quote offsets to read as content instead (see lenientParse). */
    readonly forced: ReadonlySet<number> = new Set(),
  ) {}

  fail(message: string, at = this.pos): never {
    throw new LenientParseError(`${message} at offset ${at}`, at, false);
  }

  truncated(what: string): never {
    throw new LenientParseError(`truncated: the text ends inside ${what}`, this.text.length, true);
  }

  skipBlank(): void {
    // Python comments never appear in repr output and JSON has none; only whitespace is skipped.
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.skipBlank();
    const c = this.text[this.pos];
    if (c === undefined) this.truncated('a value');
    if (c === '{') return this.object(depth);
    if (c === '[') return this.sequence(depth, ']');
    if (c === '(') return this.parenthesized(depth);
    if (c in QUOTES || this.stringPrefixLength() > 0) return this.strings();
    if (/[-+.\d]/.test(c)) return this.number();
    if (/[A-Za-z_]/.test(c)) return this.keyword();
    return this.fail(`unexpected ${describe(this.text, this.pos)}`);
  }

  object(depth: number): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    this.pos++; // {
    let afterComma = false;
    for (;;) {
      this.skipBlank();
      const c = this.text[this.pos];
      if (c === undefined) this.truncated('an object');
      if (c === '}') {
        if (afterComma) this.used.add('trailing-commas');
        this.pos++;
        return out;
      }
      if (c === ',') this.fail('unexpected ","');
      const key = this.key(depth);
      this.skipBlank();
      if (this.text[this.pos] === undefined) this.truncated('an object');
      if (this.text[this.pos] !== ':') {
        if (this.text[this.pos] === ',' || this.text[this.pos] === '}')
          this.fail('a set literal or a key without a value');
        this.fail(`expected ":" after key ${JSON.stringify(key)}, found ${describe(this.text, this.pos)}`);
      }
      this.pos++;
      // defineProperty, not assignment: a "__proto__" key must stay data, as JSON.parse keeps it.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      afterComma = this.separator('}', 'an object');
    }
  }

  /** Dict keys: strings; Python ints/floats/bools/None/tuples are stringified; bare identifiers are repaired. */
  key(depth: number): string {
    const c = this.text[this.pos]!;
    if (/[A-Za-z_$]/.test(c) && this.stringPrefixLength() === 0) {
      const m = /^[A-Za-z_$][\w$-]*/.exec(this.text.slice(this.pos, this.pos + 200))!;
      const after = this.text.slice(this.pos + m[0].length).match(/^\s*:/);
      if (after && !['True', 'False', 'None', 'true', 'false', 'null'].includes(m[0])) {
        this.used.add('unquoted-keys');
        this.pos += m[0].length;
        return m[0];
      }
    }
    const key = this.value(depth + 1);
    return typeof key === 'string' ? key : JSON.stringify(key);
  }

  sequence(depth: number, close: ']' | ')'): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++; // [ or (
    let afterComma = false;
    for (;;) {
      this.skipBlank();
      const c = this.text[this.pos];
      if (c === undefined) this.truncated(close === ']' ? 'a list' : 'a tuple');
      if (c === close) {
        // Python's one-element tuple needs its comma; that is not a slip.
        if (afterComma && !(close === ')' && out.length === 1)) this.used.add('trailing-commas');
        this.pos++;
        return out;
      }
      if (c === ',') this.fail('unexpected ","');
      out.push(this.value(depth + 1));
      afterComma = this.separator(close, close === ']' ? 'a list' : 'a tuple');
    }
  }

  /** `(x)` is x (pprint wraps long concatenated strings this way); `(x,)` and `(x, y)` are tuples. */
  parenthesized(depth: number): JsonValue {
    const start = this.pos;
    this.pos++;
    this.skipBlank();
    if (this.text[this.pos] === ')') {
      this.pos++;
      this.used.add('python-tuples');
      return [];
    }
    const first = this.value(depth + 1);
    this.skipBlank();
    if (this.text[this.pos] === ')') {
      this.pos++;
      return first;
    }
    this.pos = start;
    this.used.add('python-tuples');
    return this.sequence(depth, ')');
  }

  /** Consumes "," or the closing bracket (left for the caller); returns whether a comma was consumed. */
  separator(close: string, what: string): boolean {
    this.skipBlank();
    const c = this.text[this.pos];
    if (c === undefined) this.truncated(what);
    if (c === ',') {
      this.pos++;
      return true;
    }
    if (c === close) return false;
    return this.fail(`expected "," or "${close}" in ${what}, found ${describe(this.text, this.pos)}`);
  }

  /** Length of a Python string prefix (r, u, b, rb, br...) directly followed by a quote, else 0. */
  stringPrefixLength(): number {
    const m = /^([rRuUbB]{1,2})['"]/.exec(this.text.slice(this.pos, this.pos + 3));
    if (!m) return 0;
    const p = m[1]!.toLowerCase();
    return ['r', 'u', 'b', 'rb', 'br'].includes(p) ? p.length : 0;
  }

  /** One string literal, or several adjacent ones joined (Python's implicit concatenation). */
  strings(): string {
    let out = this.string();
    for (;;) {
      const save = this.pos;
      this.skipBlank();
      const c = this.text[this.pos];
      if (c !== undefined && (c in QUOTES || this.stringPrefixLength() > 0)) {
        this.used.add('string-concatenation');
        out += this.string();
      } else {
        this.pos = save;
        return out;
      }
    }
  }

  string(): string {
    const prefixLength = this.stringPrefixLength();
    const raw = this.text
      .slice(this.pos, this.pos + prefixLength)
      .toLowerCase()
      .includes('r');
    this.pos += prefixLength;
    const open = this.text[this.pos]!;
    const close = QUOTES[open]!;
    if (open === "'") this.used.add('single-quotes');
    if (open === '\u201c' || open === '\u2018') this.used.add('smart-quotes');
    const triple = (open === '"' || open === "'") && this.text.startsWith(open.repeat(3), this.pos);
    if (triple) this.used.add('single-quotes'); // JSON has no triple quotes; a Python literal
    this.pos += triple ? 3 : 1;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.truncated('a string');
      if (c === '\\') {
        out += this.escape(raw);
        continue;
      }
      if (triple) {
        if (this.text.startsWith(close.repeat(3), this.pos)) {
          this.pos += 3;
          return out;
        }
      } else if (c === close || (open === '\u201c' && (c === '"' || c === '\u201c'))) {
        const next = this.forced.has(this.pos) ? null : this.closingFollower();
        if (next !== null) {
          // Only a close before "," is ambiguous (an apostrophe then a clause); before ":" "}" "]" it is sure.
          if (next === ',') this.closes.push(this.pos);
          this.pos++;
          return out;
        }
        // A quote followed by text, not by , } ] ) : — the model forgot to escape it.
        this.used.add('unescaped-quotes');
      } else if (!triple && (c === '\n' || c === '\r')) {
        this.used.add('newlines-in-strings');
      } else if (c < ' ' && !triple) {
        this.used.add('control-chars-in-strings');
      }
      out += c;
      this.pos++;
    }
  }

  /**
   * The character after a quote that really closes the string (an empty string at the end of the text), or
   * null when the quote is content.
   */
  closingFollower(): string | null {
    // Two quotes in a row inside a string are content (Omega_0''), not an empty string: repr never writes
    // adjacent literals without a space, and JSON has no concatenation at all.
    const adjacent = this.text[this.pos + 1];
    if (adjacent !== undefined && adjacent in QUOTES) return null;
    let i = this.pos + 1;
    while (i < this.text.length && /\s/.test(this.text[i]!)) i++;
    const next = this.text[i];
    if (next === undefined) return '';
    return AFTER_STRING.has(next) ? next : null;
  }

  escape(raw: boolean): string {
    const next = this.text[this.pos + 1];
    if (next === undefined) this.truncated('a string escape');
    if (raw) {
      // Raw strings keep the backslash; it still stops the next quote from closing the string.
      this.pos += 2;
      return '\\' + next;
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (next === '\n' || next === '\r') {
      // Python line continuation inside a string literal.
      this.pos += next === '\r' && this.text[this.pos + 2] === '\n' ? 3 : 2;
      return '';
    }
    if (next === 'u' || next === 'x' || next === 'U') {
      const width = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = this.text.slice(this.pos + 2, this.pos + 2 + width);
      if (hex.length < width && this.pos + 2 + hex.length >= this.text.length)
        this.truncated('a string escape');
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length < width) this.fail(`bad \\${next} escape`);
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) this.fail(`bad \\${next} escape`);
      this.pos += 2 + width;
      // \u pairs (JSON surrogates) concatenate into the right code point as UTF-16 units.
      return next === 'u' ? String.fromCharCode(code) : String.fromCodePoint(code);
    }
    const octal = /^[0-7]{1,3}/.exec(this.text.slice(this.pos + 1, this.pos + 4));
    if (octal) {
      this.pos += 1 + octal[0].length;
      return String.fromCharCode(Number.parseInt(octal[0], 8));
    }
    // Python keeps unknown escapes verbatim (JSON would reject them); do the same and say so.
    this.used.add('invalid-escapes');
    this.pos += 2;
    return '\\' + next;
  }

  number(): number {
    const m = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?/.exec(this.text.slice(this.pos));
    const sign = this.text[this.pos];
    if (!m) {
      if ((sign === '-' || sign === '+') && /^[-+](inf|Infinity|nan|NaN)\b/.test(this.text.slice(this.pos))) {
        this.pos++;
        const v = this.keyword() as number;
        return sign === '-' ? -v : v;
      }
      if (this.pos + 1 >= this.text.length) this.truncated('a number');
      return this.fail(`unexpected ${describe(this.text, this.pos)}`);
    }
    const token = m[0];
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(token)) this.used.add('non-json-numbers');
    this.pos += token.length;
    // A number cut off at the end of the text inside a container is caught by the container's own check.
    return Number(token.replace(/_/g, ''));
  }

  keyword(): JsonValue {
    const m = /^[A-Za-z_]\w*/.exec(this.text.slice(this.pos, this.pos + 64))!;
    const word = m[0];
    const known: Record<string, [JsonValue, Repair | null]> = {
      true: [true, null],
      false: [false, null],
      null: [null, null],
      True: [true, 'python-keywords'],
      False: [false, 'python-keywords'],
      None: [null, 'python-keywords'],
      NaN: [Number.NaN, 'non-json-numbers'],
      nan: [Number.NaN, 'non-json-numbers'],
      Infinity: [Number.POSITIVE_INFINITY, 'non-json-numbers'],
      inf: [Number.POSITIVE_INFINITY, 'non-json-numbers'],
    };
    const hit = Object.hasOwn(known, word) ? known[word] : undefined;
    if (!hit) {
      const atEnd = this.pos + word.length >= this.text.length;
      if (atEnd && Object.keys(known).some((k) => k.startsWith(word))) this.truncated('a keyword');
      return this.fail(`unexpected word "${word}"`);
    }
    this.pos += word.length;
    if (hit[1]) this.used.add(hit[1]);
    return hit[0];
  }
}

function describe(text: string, pos: number): string {
  const c = text[pos];
  return c === undefined ? 'end of text' : JSON.stringify(text.slice(pos, pos + 12));
}
