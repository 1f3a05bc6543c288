/**
 * Request URLs for the arXiv search API. The API's own limits (2000 results a page, nothing past the 30000th)
 * are checked here, before a request is made, because past them arXiv answers with an empty or truncated feed
 * that looks like success.
 */
import { MiniAstroError } from '../../core/errors';
import { formatArxivId, tryParseArxivId } from './ids';

/** Most results the API returns in one response. */
export const arxivMaxResultsPerPage = 2000;
/** The API returns nothing past this many results of one query, however it is paged. */
export const arxivMaxResultsPerQuery = 30000;

export type ApiSortBy = 'relevance' | 'lastUpdatedDate' | 'submittedDate';
export type ApiSortOrder = 'ascending' | 'descending';

export interface ApiQuery {
  /** arXiv query syntax, e.g. `cat:astro-ph.GA AND submittedDate:[202401010000 TO 202402010000]`. */
  searchQuery?: string;
  /** Ids, with or without versions; with searchQuery too, arXiv returns only those matching the query. */
  idList?: string[];
  sortBy?: ApiSortBy;
  sortOrder?: ApiSortOrder;
  /** 0-based offset of the first result. */
  start: number;
  maxResults: number;
}

export function buildApiQueryUrl(base: string, q: ApiQuery): string {
  const url = parseBaseUrl(base, 'arXiv API URL');
  const searchQuery = q.searchQuery?.trim() ?? '';
  const ids = (q.idList ?? []).map(canonicalListId);
  if (searchQuery === '' && ids.length === 0) {
    throw new MiniAstroError(
      'usage',
      'An arXiv API query needs a search query or a list of ids; neither was given.',
      'Pass a query such as "cat:astro-ph.GA" or one or more ids such as 2501.01234.',
    );
  }
  checkCount('start', q.start, 0);
  checkCount('maxResults', q.maxResults, 1);
  if (q.maxResults > arxivMaxResultsPerPage) {
    throw new MiniAstroError(
      'usage',
      `maxResults ${q.maxResults} is more than the ${arxivMaxResultsPerPage} results the arXiv API returns in one page.`,
      `Ask for at most ${arxivMaxResultsPerPage} results a page and page through with start.`,
    );
  }
  if (q.start + q.maxResults > arxivMaxResultsPerQuery) {
    throw new MiniAstroError(
      'usage',
      `start ${q.start} + maxResults ${q.maxResults} goes past result ${arxivMaxResultsPerQuery}, the last one the ` +
        'arXiv API will return for a query.',
      'Split the query into narrower ones (for example by submittedDate ranges), or harvest in bulk through ' +
        'OAI-PMH instead.',
    );
  }
  if (searchQuery !== '') url.searchParams.set('search_query', searchQuery);
  if (ids.length > 0) url.searchParams.set('id_list', ids.join(','));
  url.searchParams.set('start', String(q.start));
  url.searchParams.set('max_results', String(q.maxResults));
  if (q.sortBy) url.searchParams.set('sortBy', q.sortBy);
  if (q.sortOrder) url.searchParams.set('sortOrder', q.sortOrder);
  return url.toString();
}

/**
 * A base URL with no query of its own: each service fixes which arguments a request may carry (OAI-PMH
 * forbids any beside a resumption token), so stray ones are refused instead of silently merged or dropped.
 */
export function parseBaseUrl(base: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch (cause) {
    throw new MiniAstroError(
      'usage',
      `The ${what} "${base}" is not a valid URL.`,
      'Give an absolute http(s) URL.',
      {
        cause,
      },
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new MiniAstroError(
      'usage',
      `The ${what} "${base}" must be a plain http(s) URL without a query or fragment.`,
      'Give the endpoint alone, e.g. https://export.arxiv.org/api/query; the arguments are added per request.',
    );
  }
  return url;
}

function canonicalListId(text: string): string {
  const parsed = tryParseArxivId(text);
  if (parsed === null) {
    throw new MiniAstroError(
      'usage',
      `"${text}" in the id list is not an arXiv identifier.`,
      'Use ids such as 2501.01234, 2501.01234v2 or astro-ph/0601001.',
    );
  }
  // The version is kept: asking for 2104.12255v1 means that version, not the latest.
  return formatArxivId(parsed);
}

function checkCount(name: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new MiniAstroError(
      'usage',
      `${name} must be a whole number of at least ${min}; got ${n}.`,
      `Pass ${name} as an integer ≥ ${min}.`,
    );
  }
}
