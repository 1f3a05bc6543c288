// Reads the seed project's teacher rows (accepted and rejected) into plain validator inputs, tolerating their quirks.
import { readFileSync } from 'node:fs';

export interface AcceptedRow {
  id: string;
  outputId: string;
  abstract: string;
  explanation: string;
}

export interface RejectedRow {
  id: string;
  abstract: string;
  /** The seed validator's messages for the last attempt. */
  seedErrors: string[];
  /** The last attempt's explanation and id; null where the raw response held none. */
  lastExplanation: string | null;
  lastId: string | null;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`expected a string at ${what}`);
  return v;
}

const PY_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '0': '\0',
};

/**
 * Parses a Python literal (a dict's repr: single or double quotes, escapes, True/False/None) into a JSON value.
 * The SOURCES note says rejected rows store `output` that way; the copy read here holds JSON objects, so this is
 * the fallback that keeps the reader correct for either form.
 */
export function parsePythonLiteral(src: string): Json {
  let i = 0;
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i] ?? '')) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`Python literal: ${what} at offset ${i}`);
  };
  const value = (): Json => {
    ws();
    const c = src[i];
    if (c === '{' || c === '[' || c === '(') {
      const close = c === '{' ? '}' : c === '[' ? ']' : ')';
      i++;
      const obj: Record<string, Json> = {};
      const arr: Json[] = [];
      ws();
      while (src[i] !== close) {
        const v = value();
        ws();
        if (c === '{') {
          if (src[i] !== ':') fail('expected ":"');
          i++;
          obj[String(v)] = value();
        } else arr.push(v);
        ws();
        if (src[i] === ',') i++;
        else if (src[i] !== close) fail(`expected "," or "${close}"`);
        ws();
      }
      i++;
      return c === '{' ? obj : arr;
    }
    if (c === "'" || c === '"') {
      i++;
      let out = '';
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') {
          const e = src[i + 1] ?? '';
          if (e === 'u' || e === 'x') {
            const len = e === 'u' ? 4 : 2;
            out += String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 2 + len), 16));
            i += 2 + len;
            continue;
          }
          out += PY_ESCAPES[e] ?? `\\${e}`;
          i += 2;
        } else out += src[i++];
      }
      if (src[i] !== c) fail('unterminated string');
      i++;
      return out;
    }
    const word = /^(True|False|None|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(src.slice(i))?.[0];
    if (!word) return fail('unexpected character');
    i += word.length;
    return word === 'True' ? true : word === 'False' ? false : word === 'None' ? null : Number(word);
  };
  const v = value();
  ws();
  if (i !== src.length) fail('trailing text');
  return v;
}

/**
 * The teacher's raw last response: JSON when complete; when cut off mid-string (3 of 655 rows), the `id` and the
 * `explanation` prefix are still read, decoding JSON escapes up to where the text stops.
 */
export function parseLastResponse(raw: string): { id: string | null; explanation: string | null } {
  try {
    const obj: unknown = JSON.parse(raw);
    if (isObject(obj)) {
      return {
        id: typeof obj['id'] === 'string' ? obj['id'] : null,
        explanation: typeof obj['explanation'] === 'string' ? obj['explanation'] : null,
      };
    }
  } catch {
    // fall through to the tolerant reading
  }
  const field = (key: string): string | null => {
    const m = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)(?:"|\\\\?$)`, 's').exec(raw);
    if (!m) return null;
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return m[1] ?? null;
    }
  };
  return { id: field('id'), explanation: field('explanation') };
}

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, n) => {
      const v: unknown = JSON.parse(l);
      if (!isObject(v)) throw new Error(`${file}:${n + 1}: not an object`);
      return v;
    });
}

function outputObject(v: unknown, what: string): Record<string, unknown> {
  const o: unknown = typeof v === 'string' ? parsePythonLiteral(v) : v;
  if (!isObject(o)) throw new Error(`expected an object at ${what}.output`);
  return o;
}

export function readAccepted(file: string): AcceptedRow[] {
  return lines(file).map((r, n) => {
    const out = outputObject(r['output'], `row ${n + 1}`);
    return {
      id: str(r['id'], `row ${n + 1}.id`),
      outputId: str(out['id'], `row ${n + 1}.output.id`),
      abstract: str(r['input'], `row ${n + 1}.input`),
      explanation: str(out['explanation'], `row ${n + 1}.output.explanation`),
    };
  });
}

export function readRejected(file: string): RejectedRow[] {
  return lines(file).map((r, n) => {
    const out = outputObject(r['output'], `row ${n + 1}`);
    const errors = Array.isArray(out['validation_errors']) ? out['validation_errors'] : [];
    const last = typeof out['last_response'] === 'string' ? parseLastResponse(out['last_response']) : null;
    return {
      id: str(r['id'], `row ${n + 1}.id`),
      abstract: str(r['input'], `row ${n + 1}.input`),
      seedErrors: errors.filter((e): e is string => typeof e === 'string'),
      lastExplanation: last?.explanation ?? null,
      lastId: last?.id ?? null,
    };
  });
}
