/**
 * arXiv identifiers mentioned anywhere in a text: `arXiv:2501.01234v2`, a bare `2501.01234`, `astro-ph/0601001`,
 * abs/pdf URLs, arXiv DOIs (`10.48550/arXiv.2501.01234`) and ADS bibcodes (`2014arXiv1404.5954S`). Candidates are
 * found here; whether one is an identifier at all (month, digit count) is decided by the one id parser,
 * `tryParseArxivId`. A bare number inside a longer number or inside another DOI is not an id.
 */
import { tryParseArxivId } from '../arxiv/ids';
import { lineIndex, type SourceSpan } from './source';

export interface ArxivMention {
  kind: 'arxiv-id';
  /** As src/pipeline/arxiv/ids.ts normalises it: no version. */
  id: string;
  version?: number;
  /** The whole mention, prefix or URL included. */
  span: SourceSpan;
  line: number;
}

/** Archives of old-style ids (before April 2007). */
const ARCHIVES =
  'astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|physics|quant-ph|math|cs|' +
  'q-bio|q-fin|stat|chao-dyn|solv-int|patt-sol|adap-org|comp-gas|cmp-lg|alg-geom|dg-ga|funct-an|q-alg|mtrl-th|' +
  'supr-con|acc-phys|ao-sci|atom-ph|bayes-an|chem-ph|plasm-ph';

const MENTION = new RegExp(
  String.raw`((?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|arxiv[:.]?\s?)?` +
    String.raw`((?:${ARCHIVES})(?:\.[A-Za-z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?(\.pdf)?`,
  'gi',
);

/** Characters that make a bare candidate part of a larger token (`v6.2501.01234`, `12345.67890`, a path). */
const JOINED_BEFORE = /[\p{L}\p{N}./\-_]/u;
const DOI = /10\.\d{4,9}\//;

/** `lineAt` may be passed by a caller that already indexed the text's lines. */
export function findArxivIds(text: string, lineAt?: (offset: number) => number): ArxivMention[] {
  if (typeof text !== 'string' || text === '') return [];
  const mentions: ArxivMention[] = [];
  let lines = lineAt ?? null;
  MENTION.lastIndex = 0;
  for (let m = MENTION.exec(text); m; m = MENTION.exec(text)) {
    const [whole, prefix, core, version] = m;
    const start = m.index;
    const end = start + whole.length;
    const after = text.charAt(end);
    if (/\d/.test(after) || (after === '.' && /\d/.test(text.charAt(end + 1)))) continue;
    if (!prefix) {
      if (JOINED_BEFORE.test(text.charAt(start - 1)) || /\p{L}/u.test(after)) continue;
      if (DOI.test(tokenBefore(text, start))) continue;
    }
    const parsed = tryParseArxivId(`${core}${version ?? ''}`);
    if (!parsed) continue;
    lines ??= lineIndex(text);
    mentions.push({
      kind: 'arxiv-id',
      id: parsed.id,
      ...(parsed.version !== null ? { version: parsed.version } : {}),
      span: { start, end },
      line: lines(start),
    });
  }
  return mentions;
}

/** The run of non-blank characters that ends at `start` (at most 200 back): the DOI a number may sit in. */
function tokenBefore(text: string, start: number): string {
  let i = start;
  const limit = Math.max(0, start - 200);
  while (i > limit && !/[\s{}"(),;]/.test(text.charAt(i - 1))) i--;
  return text.slice(i, start);
}
