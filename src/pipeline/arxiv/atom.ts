/**
 * One arXiv API response (Atom 1.0) to an AtomPage. Elements are matched by namespace URI and local name, which is
 * what lets one reader take both arXiv's 2016 output (prefixes declared inline, wrapped summaries) and its 2026
 * output (prefixes on the root, one-line summaries, different element order). Anything that is not a feed of
 * papers ends in a FeedError saying what came back, so the fetch loop can decide between retrying and stopping.
 */
import type { SaxesTagNS } from 'saxes';
import { tryParseArxivId } from './ids';
import { normalizedOrNull, normalizeWhitespace } from './text';
import type { AtomPage, Paper } from './types';
import {
  excerpt,
  FeedError,
  parseCount,
  sniffHtml,
  sniffJson,
  walkXml,
  wrongDocument,
  type XmlHandlers,
} from './xml';

export { FeedError, type FeedErrorReason } from './xml';

const ATOM = 'http://www.w3.org/2005/Atom';
const ARXIV = 'http://arxiv.org/schemas/atom';
const OPENSEARCH = 'http://a9.com/-/spec/opensearch/1.1/';
/** arXiv reports a rejected request as a feed whose single entry has an id under this path. */
const ERROR_ID = /arxiv\.org\/api\/errors(?:#|$)/;

export interface FeedContext {
  /** The request URL, quoted in error messages. */
  url?: string;
  /** A saved response being imported: messages name the file and never advise retrying arXiv. */
  file?: string;
}

export function parseAtomFeed(xml: string, context: FeedContext = {}): AtomPage {
  const local = context.file !== undefined;
  const what = local
    ? `The file ${context.file}`
    : context.url
      ? `The arXiv API response from ${context.url}`
      : 'The arXiv API response';
  const html = sniffHtml(xml);
  if (html !== null) throw wrongDocument(what, 'an Atom feed', `an HTML page ("${html}")`, xml, local);
  const json = sniffJson(xml);
  if (json !== null) throw wrongDocument(what, 'an Atom feed', json, xml, local);
  const reader = new AtomReader(what, xml, context.url ?? null, local);
  walkXml(xml, reader, what, local);
  const entries = reader.entries;
  return {
    totalResults: reader.totalResults ?? entries.length,
    startIndex: reader.startIndex ?? 0,
    itemsPerPage: reader.itemsPerPage ?? entries.length,
    entries,
    entryLines: reader.entryLines,
  };
}

interface EntryDraft {
  line: number;
  id: string | null;
  title: string;
  summary: string;
  authors: string[];
  categories: string[];
  primary: string | null;
  published: string | null;
  updated: string | null;
  doi: string | null;
  journalRef: string | null;
  comment: string | null;
}

class AtomReader implements XmlHandlers {
  readonly entries: Paper[] = [];
  readonly entryLines: number[] = [];
  totalResults: number | null = null;
  startIndex: number | null = null;
  itemsPerPage: number | null = null;
  private entry: EntryDraft | null = null;

  constructor(
    private readonly what: string,
    private readonly body: string,
    private readonly url: string | null,
    private readonly local: boolean,
  ) {}

  open(tag: SaxesTagNS, depth: number, line: number): void {
    if (depth === 0) {
      if (tag.local !== 'feed' || tag.uri !== ATOM) {
        const found = tag.uri ? `<${tag.local}> in namespace ${tag.uri}` : `<${tag.local}>`;
        throw wrongDocument(
          this.what,
          'an Atom feed',
          `an XML document whose root is ${found}`,
          this.body,
          this.local,
        );
      }
      return;
    }
    if (depth === 1) {
      if (tag.local === 'entry' && tag.uri === ATOM) this.entry = newDraft(line);
      return;
    }
    const e = this.entry;
    if (e === null || depth !== 2) return;
    if (tag.local === 'category' && tag.uri === ATOM) {
      const term = tag.attributes['term']?.value.trim();
      if (term && !e.categories.includes(term)) e.categories.push(term);
    } else if (tag.local === 'primary_category' && tag.uri === ARXIV) {
      e.primary = tag.attributes['term']?.value.trim() || null;
    }
  }

  close(tag: SaxesTagNS, text: string, depth: number): void {
    const e = this.entry;
    if (e === null) {
      if (depth === 1 && tag.uri === OPENSEARCH) this.opensearch(tag.local, text);
      return;
    }
    if (depth === 1) {
      this.entries.push(this.finish(e));
      this.entryLines.push(e.line);
      this.entry = null;
    } else if (depth === 2) {
      if (tag.uri === ATOM) {
        switch (tag.local) {
          case 'id':
            e.id = text.trim();
            break;
          case 'title':
            e.title = text;
            break;
          case 'summary':
            e.summary = text;
            break;
          case 'published':
            e.published = text.trim() || null;
            break;
          case 'updated':
            e.updated = text.trim() || null;
            break;
        }
      } else if (tag.uri === ARXIV) {
        if (tag.local === 'doi') e.doi = text.trim() || null;
        else if (tag.local === 'journal_ref') e.journalRef = normalizedOrNull(text);
        else if (tag.local === 'comment') e.comment = normalizedOrNull(text);
      }
    } else if (depth === 3 && tag.local === 'name' && tag.uri === ATOM) {
      // Atom allows <name> only inside person constructs; an entry's only persons are its authors.
      const name = normalizeWhitespace(text);
      if (name) e.authors.push(name);
    }
  }

  private opensearch(local: string, text: string): void {
    const n = parseCount(text);
    if (n === null) return;
    if (local === 'totalResults') this.totalResults = n;
    else if (local === 'startIndex') this.startIndex = n;
    else if (local === 'itemsPerPage') this.itemsPerPage = n;
  }

  private finish(e: EntryDraft): Paper {
    const rawId = e.id ?? '';
    if (ERROR_ID.test(rawId)) throw this.arxivError(e, rawId);
    const parsed = tryParseArxivId(rawId);
    if (parsed === null) {
      throw new FeedError(
        'malformed',
        `${this.what} has an entry (line ${e.line}) whose id ${excerpt(rawId)} is not an arXiv abstract URL.`,
        this.local
          ? 'Entries of an imported feed need arXiv ids (http://arxiv.org/abs/...). Nothing was imported.'
          : 'This is not a response arXiv is known to send; check the configured API URL.',
      );
    }
    const categories = e.categories;
    const primary = e.primary ?? categories[0] ?? null;
    if (primary !== null && categories[0] !== primary) {
      const at = categories.indexOf(primary);
      if (at >= 0) categories.splice(at, 1);
      categories.unshift(primary);
    }
    return {
      id: parsed.id,
      version: parsed.version,
      title: normalizeWhitespace(e.title),
      abstract: normalizeWhitespace(e.summary),
      authors: e.authors,
      categories,
      primaryCategory: primary,
      published: e.published,
      updated: e.updated,
      doi: e.doi,
      journalRef: e.journalRef,
      comment: e.comment,
    };
  }

  private arxivError(e: EntryDraft, rawId: string): FeedError {
    const message = normalizeWhitespace(e.summary) || normalizeWhitespace(e.title) || 'no details given';
    const code = rawId.includes('#') ? rawId.slice(rawId.indexOf('#') + 1) : null;
    const from = this.url ? ` (request: ${this.url})` : '';
    return new FeedError(
      'arxiv-error',
      `arXiv rejected the request: ${message}${from}.`,
      'Fix the arXiv id or search query it names; repeating the same request will fail the same way.',
      code,
    );
  }
}

function newDraft(line: number): EntryDraft {
  return {
    line,
    id: null,
    title: '',
    summary: '',
    authors: [],
    categories: [],
    primary: null,
    published: null,
    updated: null,
    doi: null,
    journalRef: null,
    comment: null,
  };
}
