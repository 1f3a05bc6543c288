/**
 * A resumable arXiv API search: pages through `search_query`/`id_list` results and writes each page together with
 * the run's cursor in one transaction. Killed at any point, the next run with the same parameters continues from
 * the last committed page. An empty page before the reported end is retried, not taken as the end.
 */
import { type Clock, isoNow } from '../../core/clock';
import { MiniAstroError } from '../../core/errors';
import { parseAtomFeed } from '../arxiv/atom';
import { type ApiQuery, buildApiQueryUrl } from '../arxiv/query';
import type { AtomPage } from '../arxiv/types';
import { sniffHtml, sniffJson } from '../arxiv/xml';
import type { PoliteHttpClient } from '../net/politeHttp';
import type { Db } from '../store/database';
import { FetchRunStore, runKey } from '../store/fetchRuns';
import { PaperStore } from '../store/papers';
import { type IngestEventSink, ignoreEvents } from './events';
import { readFeed } from './readFeed';

export const defaultArxivApiUrl = 'https://export.arxiv.org/api/query';

export interface FetchRequest {
  searchQuery?: string;
  idList?: string[];
  sortBy?: ApiQuery['sortBy'];
  sortOrder?: ApiQuery['sortOrder'];
  /** Stop after this many results (arXiv serves at most 30000 per query). */
  max: number;
  /** Results per request (arXiv allows up to 2000). */
  pageSize?: number;
  /** Ignore a saved cursor and start from the first result. */
  restart?: boolean;
}

export interface FetchDeps {
  db: Db;
  http: PoliteHttpClient;
  clock: Clock;
  apiUrl?: string;
  signal?: AbortSignal;
  onEvent?: IngestEventSink;
  /** Retries of an empty or malformed page before giving up (each waits `retryWaitMs` × attempt). */
  pageRetries?: number;
  retryWaitMs?: number;
}

export interface FetchResult {
  /** Entries received in this invocation. */
  fetched: number;
  /** Of those, papers that were new or newer than what was stored. */
  stored: number;
  inserted: number;
  updated: number;
  unchanged: number;
  pages: number;
  /** Where this invocation started (non-zero when it resumed a killed run). */
  resumedFrom: number;
  /** Results arXiv reports for the query (null if no page was read). */
  totalResults: number | null;
  complete: boolean;
}

export async function fetchFromApi(request: FetchRequest, deps: FetchDeps): Promise<FetchResult> {
  const onEvent = deps.onEvent ?? ignoreEvents;
  const pageSize = request.pageSize ?? 200;
  if (!request.searchQuery && !(request.idList && request.idList.length > 0)) {
    throw new MiniAstroError(
      'usage',
      'Nothing to fetch: no query and no ids.',
      'Pass --query "cat:astro-ph.GA" or --ids 2501.01234,...',
    );
  }
  // --max is not part of the run's identity: asking for more later continues the same run.
  const params = {
    searchQuery: request.searchQuery ?? '',
    idList: request.idList ?? [],
    sortBy: request.sortBy ?? 'submittedDate',
    sortOrder: request.sortOrder ?? 'descending',
  };
  const runs = new FetchRunStore(deps.db);
  const papers = new PaperStore(deps.db);
  const key = runKey('arxiv-api', params);
  const saved = runs.get(key);
  const savedStart = saved && 'start' in saved.cursor ? saved.cursor.start : 0;
  // A killed run resumes; a finished one resumes only to go further than it went (a larger --max). Otherwise the
  // query starts again from the top, where new submissions appear.
  const resumed =
    !request.restart &&
    saved !== undefined &&
    (saved.status === 'running' ||
      (savedStart > 0 && savedStart < Math.min(request.max, saved.total ?? Infinity)));
  const run = resumed ? saved! : runs.begin(key, 'arxiv-api', params, { start: 0 }, isoNow(deps.clock));
  let start = 'start' in run.cursor ? run.cursor.start : 0;
  const resumedFrom = start;
  let target = run.total === null ? request.max : Math.min(request.max, run.total);
  const result: FetchResult = {
    fetched: 0,
    stored: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    pages: 0,
    resumedFrom,
    totalResults: run.total,
    complete: false,
  };
  onEvent({ type: 'start', source: 'arxiv-api', resumed, position: start, target });

  const commitPage = deps.db.transaction((page: AtomPage, nextStart: number) => {
    const counts = papers.upsertMany(page.entries, 'arxiv-api', isoNow(deps.clock));
    const stored = counts.inserted + counts.updated;
    runs.advance(
      key,
      { start: nextStart },
      { received: page.entries.length, stored, total: page.totalResults },
      isoNow(deps.clock),
    );
    return counts;
  });

  let emptyRetries = 0;
  while (start < target) {
    const url = buildApiQueryUrl(deps.apiUrl ?? defaultArxivApiUrl, {
      searchQuery: params.searchQuery || undefined,
      idList: params.idList.length > 0 ? params.idList : undefined,
      sortBy: params.sortBy,
      sortOrder: params.sortOrder,
      start,
      maxResults: Math.min(pageSize, target - start),
    });
    const page = await readPage(url, deps);
    result.totalResults = page.totalResults;
    target = Math.min(request.max, page.totalResults);
    if (page.entries.length === 0) {
      if (start >= target) break;
      emptyRetries++;
      if (emptyRetries > (deps.pageRetries ?? 3)) {
        throw new MiniAstroError(
          'remote',
          `arXiv returned empty pages at start=${start} although it reports ${page.totalResults} results.`,
          'This is a known transient arXiv behaviour. Progress is saved; run the same command again to resume.',
        );
      }
      const waitMs = (deps.retryWaitMs ?? 5000) * emptyRetries;
      onEvent({
        type: 'retry',
        reason: `empty page at start=${start} of ${page.totalResults}`,
        waitMs,
        attempt: emptyRetries,
      });
      await deps.clock.sleep(waitMs, deps.signal);
      continue;
    }
    emptyRetries = 0;
    const counts = commitPage(page, start + page.entries.length);
    start += page.entries.length;
    result.pages++;
    result.fetched += page.entries.length;
    result.inserted += counts.inserted;
    result.updated += counts.updated;
    result.unchanged += counts.unchanged;
    result.stored += counts.inserted + counts.updated;
    onEvent({
      type: 'page',
      received: page.entries.length,
      stored: counts.inserted + counts.updated,
      position: start,
      target,
    });
  }
  runs.finish(key, isoNow(deps.clock));
  result.complete = true;
  return result;
}

function readPage(url: string, deps: FetchDeps): Promise<AtomPage> {
  return readFeed(url, deps, (response) => {
    if (response.status >= 400 && !response.body.includes('<feed')) {
      const html = sniffHtml(response.body);
      const said = sniffJson(response.body) ?? (html === null ? null : `an HTML page ("${html}")`);
      throw new MiniAstroError(
        'remote',
        `arXiv answered HTTP ${response.status} for ${url}${said ? ` with ${said}` : ''}.`,
        'Check --arxiv-url and the query syntax (https://info.arxiv.org/help/api/user-manual.html).',
      );
    }
    return parseAtomFeed(response.body, { url });
  });
}
