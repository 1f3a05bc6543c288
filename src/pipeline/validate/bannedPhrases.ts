// Rule banned_phrases: the explanation speaks about the physics, not about a paper and its authors.
import type { ValidationError, ValidationInput, ValidatorConfig } from './types';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Compiled {
  /** Longest phrases first, one capture group each. */
  phrases: string[];
  re: RegExp;
}

// Compiled once per phrase list: the runner validates thousands of rows with one config.
const cache = new WeakMap<readonly string[], Compiled>();

function compile(list: readonly string[]): Compiled {
  let compiled = cache.get(list);
  if (!compiled) {
    // Longest first, so at one position "in this paper" wins over "this paper" and is reported alone.
    const phrases = [...new Set(list.map((p) => p.trim()).filter((p) => p !== ''))].sort(
      (a, b) => b.length - a.length,
    );
    // Any whitespace between words, so a line break inside "this\npaper" does not hide the phrase; letter/digit
    // look-arounds instead of \b, which is ASCII-only.
    const body = phrases.map((p) => `(${p.split(/\s+/).map(escapeRegExp).join('\\s+')})`).join('|');
    const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${body || '(?!)'})(?![\\p{L}\\p{N}])`, 'giu');
    compiled = { phrases, re };
    cache.set(list, compiled);
  }
  return compiled;
}

export function checkBannedPhrases(input: ValidationInput, config: ValidatorConfig): ValidationError[] {
  const { phrases, re } = compile(config.bannedPhrases);
  // Literal "\n" escapes would glue words ("\nWe present"): read them as the breaks they stand for.
  const text = input.explanation.replace(/\\n/g, '\n');
  const found = new Set<string>();
  for (const m of text.matchAll(re)) {
    const group = m.findIndex((g, i) => i > 0 && g !== undefined);
    const phrase = phrases[group - 1];
    if (phrase !== undefined) found.add(phrase);
  }
  if (found.size === 0) return [];
  const list = [...found];
  return [
    {
      rule: 'banned_phrases',
      code: 'banned_phrase',
      message: `Banned phrase${list.length > 1 ? 's' : ''} found: ${list.map((p) => `'${p}'`).join(', ')}`,
      details: { phrases: list },
    },
  ];
}
