/**
 * Readers for one field of a parsed YAML/JSON config: each returns the value or the default, and rejects a wrong
 * type or an unknown key with a message naming the exact path (`teacher.maxTokens: expected an integer >= 1`).
 */
import { MiniAstroError } from './errors';

export class ConfigReader {
  constructor(private readonly hint: string) {}

  bad(path: string, message: string): never {
    throw new MiniAstroError('badInput', `${path}: ${message}`, this.hint);
  }

  record(v: unknown, path: string, known: readonly string[]): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.bad(path, `expected a mapping; got ${show(v)}`);
    for (const key of Object.keys(v)) {
      if (!known.includes(key)) this.bad(`${path}.${key}`, `unknown key (known: ${known.join(', ')})`);
    }
    return v as Record<string, unknown>;
  }

  int(v: unknown, path: string, min: number, fallback: number): number {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      this.bad(path, `expected an integer >= ${min}; got ${show(v)}`);
    return v;
  }

  number(v: unknown, path: string, min: number, max: number, fallback: number): number {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.bad(path, `expected a number between ${min} and ${max}; got ${show(v)}`);
    }
    return v;
  }

  bool(v: unknown, path: string, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.bad(path, `expected true or false; got ${show(v)}`);
    return v;
  }

  string(v: unknown, path: string, fallback: string): string {
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.trim() === '')
      this.bad(path, `expected a non-empty string; got ${show(v)}`);
    return v;
  }

  strings(v: unknown, path: string, fallback: readonly string[]): readonly string[] {
    if (v === undefined) return fallback;
    if (!Array.isArray(v)) this.bad(path, `expected a list of strings; got ${show(v)}`);
    return v.map((s, i) => {
      if (typeof s !== 'string' || s.trim() === '')
        this.bad(`${path}[${i}]`, `expected a non-empty string; got ${show(s)}`);
      return s;
    });
  }
}

export function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}
