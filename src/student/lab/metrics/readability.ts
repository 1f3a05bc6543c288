/**
 * Flesch–Kincaid grade level (Kincaid et al., 1975): 0.39 · words/sentences + 11.8 · syllables/words − 15.59, the
 * US school grade a reader needs. The formula is wooorm's `flesch-kincaid`, syllables are counted by his
 * `syllable` (English rules plus an exception list); sentences and words are split here.
 */
import { fleschKincaid } from 'flesch-kincaid';
import { syllable } from 'syllable';
import { normalizeBreaks } from '../../../pipeline/validate/text';

export interface ReadabilityCounts {
  sentences: number;
  words: number;
  syllables: number;
}

/** Whitespace-separated chunks holding a letter or digit (the validators' word), punctuation stripped. */
function words(text: string): string[] {
  return normalizeBreaks(text)
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
}

export function readabilityCounts(text: string): ReadabilityCounts {
  const list = words(text);
  // A sentence ends at . ! or ? (closing quotes or brackets may follow) before white space or the end, so "5.6"
  // does not split; a paragraph break ends one too; text without any ending is one sentence.
  const sentences = normalizeBreaks(text)
    .split(/[.!?]+["'”’)\]]*(?=\s|$)|\n\s*\n/u)
    .filter((s) => /[\p{L}\p{N}]/u.test(s)).length;
  // A number or symbol still takes at least one syllable to read.
  const syllables = list.reduce((sum, w) => sum + Math.max(1, syllable(w)), 0);
  return { sentences: Math.max(1, sentences), words: list.length, syllables };
}

/** null for a text without words. */
export function fleschKincaidGrade(text: string): number | null {
  const c = readabilityCounts(text);
  if (c.words === 0) return null;
  return fleschKincaid({ sentence: c.sentences, word: c.words, syllable: c.syllables });
}
