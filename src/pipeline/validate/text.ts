// Text primitives every rule shares, so that "a word", "a paragraph" and "a line break" mean the same thing in each.

/**
 * A literal backslash-n standing for a line break (double-escaped JSON from the teacher). Recognised when doubled
 * or when followed by something that cannot continue a LaTeX command name (`\nu`, `\nabla` stay LaTeX).
 */
const LITERAL_NEWLINE = /\\n(?=\\n|[^a-z]|$)|(?<=\\n)\\n/g;

/** Number of literal `\n` escapes standing in for line breaks. */
export function countLiteralNewlines(text: string): number {
  return text.match(LITERAL_NEWLINE)?.length ?? 0;
}

/**
 * Unifies line endings and turns literal `\n` escapes into real ones. Structure is judged on what the writer meant;
 * the format rule reports the escaping itself, so the defect is counted once, not by every rule.
 */
export function normalizeBreaks(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(LITERAL_NEWLINE, '\n');
}

/** Paragraphs are separated by at least one blank (whitespace-only) line. */
export function splitParagraphs(text: string): string[] {
  return normalizeBreaks(text)
    .split(/\n[^\S\n]*\n\s*/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Words as a reader counts them: whitespace-separated chunks holding a letter or digit. "high-redshift" and "5.6%"
 * are one word each; a lone dash is none.
 */
export function countWords(text: string): number {
  let n = 0;
  for (const chunk of normalizeBreaks(text).split(/\s+/)) if (HAS_WORD_CHAR.test(chunk)) n++;
  return n;
}

/**
 * Lower-cased alphanumeric runs, for overlap measures. Finer than `countWords` (hyphens and decimal points split)
 * so that copying is recognised whatever the punctuation; same granularity as the seed's `\w+`, so its "20+ words"
 * stays comparable. LaTeX command names are dropped so `$z\sim 2$` compares like "z 2".
 */
export function overlapTokens(text: string): string[] {
  return (
    normalizeBreaks(text)
      .replace(/\\[a-zA-Z]+/g, ' ')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}
