/**
 * One OAI-PMH ListRecords response in arXiv's own metadata format (metadataPrefix=arXiv) to papers, deletions and
 * the token for the next page; plus the request URL. Bulk harvests run for hours through thousands of pages, so
 * the reader is a streaming walk like the Atom one, and it tells apart the one OAI "error" that means "nothing
 * new" (noRecordsMatch) from the ones that mean the harvest must change course.
 */
import type { SaxesTagNS } from 'saxes';
import { MiniAstroError } from '../../core/errors';
import { tryParseArxivId } from './ids';
import { parseBaseUrl } from './query';
import { normalizedOrNull, normalizeWhitespace } from './text';
import type { Paper } from './types';
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

const OAI = 'http://www.openarchives.org/OAI/2.0/';
const ARXIV_OAI = 'http://arxiv.org/OAI/arXiv/';

export interface OaiPage {
  papers: Paper[];
  /** Ids (no version) of records whose header says status="deleted". */
  deletedIds: string[];
  /** Null when this is the last page (no token, or the empty token OAI-PMH sends on the last page). */
  resumptionToken: string | null;
  completeListSize: number | null;
  cursor: number | null;
}

export type OaiListRecordsParams =
  | {
      /** e.g. `physics:astro-ph`. */
      set?: string;
      /** Inclusive datestamps, YYYY-MM-DD (arXiv's granularity is a day). */
      from?: string;
      until?: string;
      metadataPrefix?: string;
    }
  | { resumptionToken: string };

export function buildOaiListRecordsUrl(base: string, params: OaiListRecordsParams): string {
  const url = parseBaseUrl(base, 'OAI-PMH URL');
  url.searchParams.set('verb', 'ListRecords');
  if ('resumptionToken' in params) {
    if (params.resumptionToken.trim() === '') {
      throw new MiniAstroError('usage', 'The OAI-PMH resumption token is empty.', 'Restart the harvest.');
    }
    // OAI-PMH makes resumptionToken an exclusive argument: sending set/from/metadataPrefix too is a badArgument.
    url.searchParams.set('resumptionToken', params.resumptionToken);
    return url.toString();
  }
  url.searchParams.set('metadataPrefix', params.metadataPrefix ?? 'arXiv');
  if (params.set !== undefined) {
    if (!/^[A-Za-z0-9._:-]+$/.test(params.set)) {
      throw new MiniAstroError(
        'usage',
        `"${params.set}" is not an OAI-PMH set name.`,
        'Use a set such as physics:astro-ph or math.',
      );
    }
    url.searchParams.set('set', params.set);
  }
  if (params.from !== undefined) url.searchParams.set('from', checkDay('from', params.from));
  if (params.until !== undefined) url.searchParams.set('until', checkDay('until', params.until));
  if (params.from !== undefined && params.until !== undefined && params.from > params.until) {
    throw new MiniAstroError(
      'usage',
      `The harvest range is empty: from ${params.from} is after until ${params.until}.`,
      'Swap the two dates.',
    );
  }
  return url.toString();
}

function checkDay(name: string, value: string): string {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : null;
  if (d === null || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new MiniAstroError(
      'usage',
      `${name} "${value}" is not a date in YYYY-MM-DD form.`,
      'arXiv harvests by day; give dates such as 2024-01-31.',
    );
  }
  return value;
}

export function parseOaiListRecords(xml: string, context: { url?: string } = {}): OaiPage {
  const what = context.url ? `The OAI-PMH response from ${context.url}` : 'The OAI-PMH response';
  const html = sniffHtml(xml);
  if (html !== null) throw wrongDocument(what, 'an OAI-PMH response', `an HTML page ("${html}")`, xml);
  const json = sniffJson(xml);
  if (json !== null) throw wrongDocument(what, 'an OAI-PMH response', json, xml);
  const reader = new OaiReader(what, xml);
  walkXml(xml, reader, what);

  const fatal = reader.errors.filter((e) => e.code !== 'noRecordsMatch');
  const first = fatal[0];
  if (first) {
    const all = fatal.map((e) => `${e.code}: ${e.message || 'no details given'}`).join('; ');
    const from = context.url ? ` (request: ${context.url})` : '';
    throw new FeedError(
      'arxiv-error',
      `arXiv's OAI-PMH service refused the request: ${all}${from}.`,
      oaiHint(first.code),
      first.code,
    );
  }
  if (!reader.sawListRecords && reader.errors.length === 0) {
    throw wrongDocument(what, 'a ListRecords response', 'an OAI-PMH response without <ListRecords>', xml);
  }
  return {
    papers: reader.papers,
    deletedIds: reader.deletedIds,
    resumptionToken: reader.token,
    completeListSize: reader.completeListSize,
    cursor: reader.cursor,
  };
}

function oaiHint(code: string): string {
  switch (code) {
    case 'badResumptionToken':
      return 'The resumption token has expired or was not recognised; restart the harvest from its from-date.';
    case 'badArgument':
      return 'Check the set (e.g. physics:astro-ph) and the from/until dates (YYYY-MM-DD).';
    case 'cannotDisseminateFormat':
      return 'Request metadataPrefix=arXiv, the only format this reader understands.';
    case 'noSetHierarchy':
      return 'This OAI-PMH endpoint has no sets; harvest without a set.';
    case 'badVerb':
      return 'Check the configured OAI-PMH URL points at an OAI-PMH endpoint.';
    default:
      return 'Check the harvest settings; repeating the same request will fail the same way.';
  }
}

interface RecordDraft {
  line: number;
  deleted: boolean;
  headerId: string | null;
  id: string | null;
  hasMetadata: boolean;
  created: string | null;
  updated: string | null;
  authors: string[];
  keyname: string;
  forenames: string;
  suffix: string;
  title: string;
  categories: string;
  comments: string | null;
  journalRef: string | null;
  doi: string | null;
  abstract: string;
}

/*
 * Depths inside <OAI-PMH> (0): ListRecords 1, record / resumptionToken 2, header / metadata 3,
 * identifier / arXiv 4, arXiv fields 5, author 6, author parts 7.
 */
class OaiReader implements XmlHandlers {
  readonly papers: Paper[] = [];
  readonly deletedIds: string[] = [];
  readonly errors: { code: string; message: string }[] = [];
  token: string | null = null;
  completeListSize: number | null = null;
  cursor: number | null = null;
  sawListRecords = false;
  private rec: RecordDraft | null = null;
  private errorCode = '';

  constructor(
    private readonly what: string,
    private readonly body: string,
  ) {}

  open(tag: SaxesTagNS, depth: number, line: number): void {
    if (depth === 0) {
      if (tag.local !== 'OAI-PMH' || tag.uri !== OAI) {
        const found = tag.uri ? `<${tag.local}> in namespace ${tag.uri}` : `<${tag.local}>`;
        throw wrongDocument(
          this.what,
          'an OAI-PMH response',
          `an XML document whose root is ${found}`,
          this.body,
        );
      }
    } else if (depth === 1) {
      if (tag.uri !== OAI) return;
      if (tag.local === 'ListRecords') this.sawListRecords = true;
      else if (tag.local === 'error') this.errorCode = tag.attributes['code']?.value ?? 'unknown';
    } else if (depth === 2 && tag.uri === OAI) {
      if (tag.local === 'record') this.rec = newDraft(line);
      else if (tag.local === 'resumptionToken') {
        this.cursor = parseCount(tag.attributes['cursor']?.value);
        this.completeListSize = parseCount(tag.attributes['completeListSize']?.value);
      }
    } else if (this.rec !== null) {
      if (depth === 3 && tag.local === 'header' && tag.uri === OAI) {
        this.rec.deleted = tag.attributes['status']?.value === 'deleted';
      } else if (depth === 4 && tag.local === 'arXiv' && tag.uri === ARXIV_OAI) {
        this.rec.hasMetadata = true;
      } else if (depth === 6 && tag.local === 'author') {
        this.rec.keyname = '';
        this.rec.forenames = '';
        this.rec.suffix = '';
      }
    }
  }

  close(tag: SaxesTagNS, text: string, depth: number): void {
    if (depth === 1) {
      if (tag.local === 'error' && tag.uri === OAI) {
        this.errors.push({ code: this.errorCode, message: normalizeWhitespace(text) });
      }
      return;
    }
    if (depth === 2 && tag.uri === OAI) {
      if (tag.local === 'resumptionToken') this.token = text.trim() || null;
      else if (tag.local === 'record' && this.rec !== null) {
        this.finish(this.rec);
        this.rec = null;
      }
      return;
    }
    const r = this.rec;
    if (r === null) return;
    if (depth === 4 && tag.local === 'identifier' && tag.uri === OAI) {
      r.headerId = text.trim();
    } else if (depth === 5 && tag.uri === ARXIV_OAI) {
      this.field(r, tag.local, text);
    } else if (depth === 7 && tag.uri === ARXIV_OAI) {
      if (tag.local === 'keyname') r.keyname = text;
      else if (tag.local === 'forenames') r.forenames = text;
      else if (tag.local === 'suffix') r.suffix = text;
    } else if (depth === 6 && tag.local === 'author' && tag.uri === ARXIV_OAI) {
      const name = normalizeWhitespace(`${r.forenames} ${r.keyname} ${r.suffix}`);
      if (name) r.authors.push(name);
    }
  }

  private field(r: RecordDraft, local: string, text: string): void {
    switch (local) {
      case 'id':
        r.id = text.trim();
        break;
      case 'created':
        r.created = text.trim() || null;
        break;
      case 'updated':
        r.updated = text.trim() || null;
        break;
      case 'title':
        r.title = text;
        break;
      case 'categories':
        r.categories = text;
        break;
      case 'comments':
        r.comments = normalizedOrNull(text);
        break;
      case 'journal-ref':
        r.journalRef = normalizedOrNull(text);
        break;
      case 'doi':
        r.doi = text.trim() || null;
        break;
      case 'abstract':
        r.abstract = text;
        break;
    }
  }

  private finish(r: RecordDraft): void {
    const rawId = r.id ?? r.headerId ?? '';
    const parsed = tryParseArxivId(rawId);
    if (parsed === null) {
      throw new FeedError(
        'malformed',
        `${this.what} has a record (line ${r.line}) whose identifier ${excerpt(rawId)} is not an arXiv id.`,
        'This is not a response arXiv is known to send; check the configured OAI-PMH URL.',
      );
    }
    if (r.deleted) {
      this.deletedIds.push(parsed.id);
      return;
    }
    if (!r.hasMetadata) {
      throw new FeedError(
        'wrong-document',
        `${this.what} has a record for ${parsed.id} (line ${r.line}) without arXiv-format metadata.`,
        'Harvest with metadataPrefix=arXiv; other formats are not read.',
      );
    }
    const categories: string[] = [];
    for (const c of r.categories.split(/[\t\n\r ]+/)) {
      if (c && !categories.includes(c)) categories.push(c);
    }
    this.papers.push({
      id: parsed.id,
      // OAI-PMH describes the paper, not a version; <id> never carries one.
      version: null,
      title: normalizeWhitespace(r.title),
      abstract: normalizeWhitespace(r.abstract),
      authors: r.authors,
      categories,
      primaryCategory: categories[0] ?? null,
      published: r.created,
      updated: r.updated ?? r.created,
      doi: r.doi,
      journalRef: r.journalRef,
      comment: r.comments,
    });
  }
}

function newDraft(line: number): RecordDraft {
  return {
    line,
    deleted: false,
    headerId: null,
    id: null,
    hasMetadata: false,
    created: null,
    updated: null,
    authors: [],
    keyname: '',
    forenames: '',
    suffix: '',
    title: '',
    categories: '',
    comments: null,
    journalRef: null,
    doi: null,
    abstract: '',
  };
}
