/** The values, repairs and errors of the lenient JSON reader (lenientParse.ts), shared with its callers. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Every way the parsed text deviated from strict JSON (plus the extraction steps in extractJson.ts). */
export type Repair =
  | 'think-block'
  | 'code-fence'
  | 'surrounding-text'
  | 'double-encoded'
  | 'single-quotes'
  | 'smart-quotes'
  | 'python-keywords'
  | 'python-tuples'
  | 'string-concatenation'
  | 'trailing-commas'
  | 'newlines-in-strings'
  | 'control-chars-in-strings'
  | 'unescaped-quotes'
  | 'invalid-escapes'
  | 'unquoted-keys'
  | 'non-json-numbers';

export class LenientParseError extends Error {
  override readonly name = 'LenientParseError';
  constructor(
    message: string,
    readonly offset: number,
    /** The text ended before the value was complete. */
    readonly truncated: boolean,
  ) {
    super(message);
  }
}

export interface LenientParseResult {
  value: JsonValue;
  /** Offset just past the value (trailing whitespace not included). */
  end: number;
  repairs: Repair[];
}
