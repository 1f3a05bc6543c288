/**
 * What is under the cursor: the hover provider calls this on every hover, so it only searches the parsed
 * document (sorted spans, binary search), never the text. The most specific item wins: a citation key or an
 * arXiv id inside an abstract is found before the abstract around it.
 */
import type { ArxivMention } from './arxivIds';
import type { BibEntry } from './bib';
import type { SourceSpan } from './source';
import type { TexAbstract, TexCitation, TexDocument } from './tex';

export type BibAbstract = BibEntry & { kind: 'bib-abstract' };
export type Found = TexAbstract | TexCitation | ArxivMention | BibAbstract;

export function itemAt(
  doc: TexDocument | { entries: BibEntry[] } | { arxivIds: ArxivMention[] },
  offset: number,
): Found | undefined {
  if ('entries' in doc) {
    const entry = containing(doc.entries, offset, (e) => e.span);
    const span = entry?.abstractSpan;
    return entry && span && offset >= span.start && offset < span.end
      ? { ...entry, kind: 'bib-abstract' }
      : undefined;
  }
  const cite = 'citations' in doc ? containing(doc.citations, offset, (c) => c.span) : undefined;
  if (cite) return cite;
  const id = containing(doc.arxivIds, offset, (m) => m.span);
  if (id) return id;
  return 'abstracts' in doc ? containing(doc.abstracts, offset, (a) => a.span) : undefined;
}

/** The item whose span holds `offset` (start inclusive, end exclusive), in a list sorted by start. */
function containing<T>(items: readonly T[], offset: number, spanOf: (item: T) => SourceSpan): T | undefined {
  let lo = 0;
  let hi = items.length - 1;
  let candidate = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spanOf(items[mid]!).start <= offset) {
      candidate = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (candidate < 0) return undefined;
  const item = items[candidate]!;
  return offset < spanOf(item).end ? item : undefined;
}
