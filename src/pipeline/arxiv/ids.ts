/**
 * arXiv identifiers in every form they reach us (bare, versioned, old-style, inside abs/pdf URLs, OAI
 * identifiers) reduced to one canonical key: the id without version, plus the version apart. Papers are stored
 * under that key, so two spellings of one paper must never produce two keys, and impossible ids (month 13, a
 * five-digit number before 2015) are refused here rather than sent to arXiv, which answers them with an empty
 * feed instead of an error.
 */
import { MiniAstroError } from '../../core/errors';

export interface ArxivId {
  /** Canonical id without version: `1801.00855`, `astro-ph/0601001`. */
  id: string;
  /** `v2` → 2; null when the text named no version. */
  version: number | null;
}

/** YYMM.NNNN (April 2007 – December 2014) or YYMM.NNNNN (from January 2015). */
const NEW_STYLE = /^(\d{2})(\d{2})\.(\d{4,5})(?:v([1-9]\d*))?$/;
/**
 * archive[.SUBJECT-CLASS]/YYMMNNN. The subject class (`math.GT/0309136`) was never part of the identifier —
 * arXiv resolves it to `math/0309136` — so it is accepted and dropped.
 */
const OLD_STYLE = /^([a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]+(?:-[a-z]+)?)?\/(\d{2})(\d{2})(\d{3})(?:v([1-9]\d*))?$/;
const URL_PREFIX = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\//i;
const OAI_PREFIX = /^oai:arxiv\.org:/i;
const ARXIV_PREFIX = /^arxiv:/i;

/** The parsed id, or null when the text is not an arXiv identifier. Never throws: used on every feed entry. */
export function tryParseArxivId(text: string): ArxivId | null {
  let s = text.trim();
  if (URL_PREFIX.test(s)) {
    s = s.replace(URL_PREFIX, '').replace(/[?#].*$/, '');
    if (s.endsWith('/')) s = s.slice(0, -1);
    if (s.endsWith('.pdf')) s = s.slice(0, -4);
  } else if (OAI_PREFIX.test(s)) {
    s = s.replace(OAI_PREFIX, '');
  } else if (ARXIV_PREFIX.test(s)) {
    s = s.replace(ARXIV_PREFIX, '');
  }

  const m = NEW_STYLE.exec(s);
  if (m) {
    const [, yy, mm, num, v] = m;
    const yymm = Number(yy) * 100 + Number(mm);
    if (!validMonth(mm) || yymm < 704) return null;
    if (num!.length !== (yymm >= 1501 ? 5 : 4)) return null;
    return { id: `${yy}${mm}.${num}`, version: v ? Number(v) : null };
  }
  const o = OLD_STYLE.exec(s);
  if (o) {
    const [, archive, yy, mm, num, v] = o;
    const year = Number(yy);
    if (!validMonth(mm) || (year > 7 && year < 91)) return null;
    return { id: `${archive}/${yy}${mm}${num}`, version: v ? Number(v) : null };
  }
  return null;
}

/** Parses any accepted spelling; throws a `badInput` error naming the text otherwise. */
export function parseArxivId(text: string): ArxivId {
  const parsed = tryParseArxivId(text);
  if (parsed) return parsed;
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  throw new MiniAstroError(
    'badInput',
    `"${shown}" is not an arXiv identifier.`,
    'Use a new-style id such as 2501.01234 (a version may follow: 2501.01234v2), an old-style one such as ' +
      'astro-ph/0601001, or an https://arxiv.org/abs/... URL.',
  );
}

export function isArxivId(text: string): boolean {
  return tryParseArxivId(text) !== null;
}

/** `1801.00855v2`, or the bare id when the version is unknown. */
export function formatArxivId(parsed: ArxivId): string {
  return parsed.version === null ? parsed.id : `${parsed.id}v${parsed.version}`;
}

function validMonth(mm: string | undefined): boolean {
  const n = Number(mm);
  return n >= 1 && n <= 12;
}
