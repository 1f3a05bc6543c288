// GPT-2's pre-tokenizer: splits text into the pieces BPE runs on, with the exact regex GPT-2 shipped.

/**
 * GPT-2's pattern verbatim, as js-tiktoken runs it (JS `u` flag). Contractions are matched lower-case only and
 * before anything else, which is why "DON'T" and "don't" tokenize differently: that is GPT-2, not a bug.
 *
 * One knowingly inherited quirk: JS `\s` is not Python/Rust `\s`. It includes U+FEFF and excludes U+0085 (NEL),
 * so text containing those two characters splits like js-tiktoken does, not like OpenAI's Python tiktoken or
 * HF tokenizers. Both are absent from the abstracts we train on; matching the JS reference keeps one truth.
 */
export const GPT2_SPLIT_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

// Shared global regex: matchAll clones it, so concurrent iterations never share lastIndex.
const SPLIT_RE = new RegExp(GPT2_SPLIT_PATTERN, 'gu');

/** Pieces of `text` in order; they concatenate back to `text` exactly (the pattern matches every character). */
export function pretokenize(text: string): string[] {
  const pieces: string[] = [];
  for (const m of text.matchAll(SPLIT_RE)) pieces.push(m[0]);
  return pieces;
}
