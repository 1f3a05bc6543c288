// Rule format: the explanation is plain prose a reader sees as written — no LaTeX, math markup, Markdown or lists.
import { countLiteralNewlines, normalizeBreaks } from './text';
import type { ValidationError, ValidationInput, ValidatorConfig } from './types';

interface Check {
  code: string;
  label: string;
  flag: keyof ValidatorConfig['format'];
  /** Global regexes; the first few matches are quoted in the message. */
  patterns: RegExp[];
}

const checks: Check[] = [
  {
    code: 'latex',
    label: 'LaTeX',
    flag: 'latex',
    // `$...$` math, `\command` (not the literal-\n escape, reported on its own), `^{..}` / `_{..}` groups.
    patterns: [/\$[^$]*\$?/g, /\\(?:[a-zA-Z]+|[(){}[\],;!%])/g, /[\^_]\s*\{[^}]*\}?/g],
  },
  {
    code: 'math_notation',
    label: 'math notation',
    flag: 'mathNotation',
    // Caret powers ("10^5", "B^2") and underscore subscripts ("L_X", "Sigma_star") are formula syntax, not prose.
    patterns: [/\S*\^(?!\s*\{)\S*/g, /[\p{L}\p{N}]+_(?!\{)[\p{L}\p{N}]+/gu],
  },
  {
    code: 'markdown',
    label: 'Markdown',
    flag: 'markdown',
    patterns: [
      /\*\*[^*\n]+\*\*|__[^_\n]+__/g,
      // Single-star emphasis, but not a name ending in a star ("Sgr A*", "M*"): no letter before the opening star.
      /(?<![\p{L}\p{N}*])\*(?=[^\s*])[^*\n]+(?<=\S)\*(?![\p{L}\p{N}*])/gu,
      /^[^\S\n]*#{1,6}\s.*$/gm,
      /`[^`\s]+`/g,
      /\[[^\]\n]+\]\([^)\s]+\)/g,
    ],
  },
  {
    code: 'list',
    label: 'list or section label',
    flag: 'lists',
    patterns: [
      /^[^\S\n]*(?:[-*+•–]|\d{1,2}[.)]|\(?[a-h]\))[^\S\n]+.*$/gm,
      /^[^\S\n]*(?:paragraph|section|part|step)\s+\d+\s*[:.—-].*$/gim,
      // A short line ending in a colon is a heading even without a '#'.
      /^[^\S\n]*[^\n.:]{1,40}:[^\S\n]*$/gm,
    ],
  },
];

function excerpt(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}

export function checkFormat(input: ValidationInput, config: ValidatorConfig): ValidationError[] {
  const errors: ValidationError[] = [];
  const escapes = countLiteralNewlines(input.explanation);
  if (config.format.literalEscapes && escapes > 0) {
    errors.push({
      rule: 'format',
      code: 'literal_escape',
      message: `Literal "\\n" escapes instead of line breaks (${escapes} found)`,
      details: { count: escapes },
    });
  }
  // The other checks read the text as the writer meant it, so a literal "\nThe" is not taken for a LaTeX command.
  const text = normalizeBreaks(input.explanation);
  for (const check of checks) {
    if (!config.format[check.flag]) continue;
    // Each pattern sees the text with earlier matches blanked, so `\odot` inside `$...$` is not reported twice.
    let rest = text;
    const found: string[] = [];
    for (const re of check.patterns) {
      for (const m of rest.matchAll(re)) found.push(m[0]);
      rest = rest.replace(re, (m) => ' '.repeat(m.length));
    }
    if (found.length === 0) continue;
    const shown = [...new Set(found.map(excerpt))].slice(0, 3);
    errors.push({
      rule: 'format',
      code: check.code,
      message: `Not plain prose: ${check.label} ${shown.map((s) => JSON.stringify(s)).join(', ')}`,
      details: { matches: found },
    });
  }
  return errors;
}
