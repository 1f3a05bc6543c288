/**
 * Named entities in an explanation that its abstract never mentions: the invented telescope, survey, object or
 * person that a small model slips in (the seed's baseline "explains" an abstract with the Great Pyramid and
 * Moscow). Without a tagger trained on astronomy, an entity is recognised by its spelling, which is how
 * astronomical names are written anyway:
 * - a word with a capital after its first letter or all capitals (MUSE, JWST, eROSITA, NGC),
 * - a capitalised word that does not start a sentence (Tarantula, Chandra, Moscow),
 * - letters and digits in one word (GW170817, M87, 2MASS), but not a number glued to its unit (1.4GHz, 10kpc,
 *   3D: the new_numbers rule reads those numbers).
 * It is new when one of its letter-bearing parts (split at hyphens and the like) is not a word of the abstract
 * or title, compared in lower case. Numbers alone are the new_numbers rule's business, not counted here.
 */
import { normalizeBreaks, overlapTokens } from './text';

const SENTENCE_END = /[.!?:]["')\]]*$/;
/** A number written against its unit, which is not a name. */
const NUMBER_WITH_UNIT = /^\d[\d.,]*\p{L}{1,4}$/u;

/** Candidate entity words of `text`, as written (possessive 's dropped), in order, repeats kept. */
export function entityCandidates(text: string): string[] {
  const found: string[] = [];
  let sentenceStart = true;
  for (const line of normalizeBreaks(text).split('\n')) {
    if (line.trim() === '') {
      sentenceStart = true;
      continue;
    }
    for (const raw of line.split(/\s+/)) {
      if (raw === '') continue;
      const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '').replace(/['’]s$/u, '');
      const starts = sentenceStart;
      sentenceStart = SENTENCE_END.test(raw);
      if (!/\p{L}/u.test(word) || NUMBER_WITH_UNIT.test(word)) continue;
      const innerCapital = /^.+\p{Lu}/u.test(word);
      const capitalised = /^\p{Lu}/u.test(word);
      const mixed = /\p{L}/u.test(word) && /\p{N}/u.test(word);
      if (innerCapital || mixed || (capitalised && !starts)) found.push(word);
    }
  }
  return found;
}

/** Distinct entity words of `explanation` with a letter-bearing part absent from `abstract`, in first-seen order. */
export function newEntities(abstract: string, explanation: string): string[] {
  const known = new Set(overlapTokens(abstract));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const word of entityCandidates(explanation)) {
    const key = word.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const parts = overlapTokens(word).filter((p) => /\p{L}/u.test(p));
    if (parts.some((p) => !known.has(p))) out.push(word);
  }
  return out;
}
