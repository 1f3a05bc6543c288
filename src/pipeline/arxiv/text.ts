/**
 * Whitespace clean-up for titles and abstracts. Feeds wrap text over lines with indentation (the 2016 API did);
 * we want one line with single spaces. Only ASCII whitespace is touched: a no-break space is meaningful
 * typography, and LaTeX is left exactly as written.
 */

/**
 * Only runs that must change: two or more whitespace characters, or a lone tab/newline. A lone space — most of
 * the matches a plain `\s+` would make — is left alone, so one-line text comes back as the same string without
 * being rebuilt piece by piece (the difference is most of the parse time of a 2000-entry page).
 */
const ASCII_WHITESPACE_RUN = /[\t\n\v\f\r ]{2,}|[\t\n\v\f\r]/g;

/** Collapses every run of ASCII whitespace (newlines and tabs included) to one space and trims the ends. */
export function normalizeWhitespace(s: string): string {
  const collapsed = s.replace(ASCII_WHITESPACE_RUN, ' ');
  // String.prototype.trim would also strip NBSP and other Unicode spaces; after collapsing, an ASCII edge is
  // at most one space.
  const start = collapsed.charCodeAt(0) === 32 ? 1 : 0;
  const end = collapsed.charCodeAt(collapsed.length - 1) === 32 ? collapsed.length - 1 : collapsed.length;
  return start === 0 && end === collapsed.length ? collapsed : collapsed.slice(start, Math.max(start, end));
}

/** Normalised text, or null when nothing but whitespace is left (optional feed fields). */
export function normalizedOrNull(s: string | null | undefined): string | null {
  if (s == null) return null;
  const n = normalizeWhitespace(s);
  return n === '' ? null : n;
}
