/**
 * Diversity of a word sequence: distinct-n (Li et al., 2016), the share of its n-grams that are distinct. The
 * repeated-n-gram share, its complement for a single text, comes from the decoder's repetitionStats so that the
 * scorecard and the editor's repetition marks measure the same thing.
 */

/** Distinct n-grams / n-grams; 1 for a text shorter than one n-gram (nothing can repeat). */
export function distinctN(tokens: readonly string[], n: number): number {
  const windows = tokens.length - n + 1;
  if (windows <= 0) return 1;
  const seen = new Set<string>();
  for (let i = 0; i < windows; i++) seen.add(tokens.slice(i, i + n).join('\u0001'));
  return seen.size / windows;
}
