/**
 * Bulk harvesting through arXiv's OAI-PMH ListRecords, for tens of thousands of abstracts. The resumption token
 * is the cursor: saved with each page in one transaction, so a killed harvest continues with the next page.
 */
import { type Clock, isoNow } from '../../core/clock';
import { MiniAstroError } from '../../core/errors';
import { FeedError } from '../arxiv/atom';
import { buildOaiListRecordsUrl, type OaiPage, parseOaiListRecords } from '../arxiv/oai';
import type { PoliteHttpClient } from '../net/politeHttp';
import type { Db } from '../store/database';
import { FetchRunStore, runKey } from '../store/fetchRuns';
import { PaperStore } from '../store/papers';
import { type IngestEventSink, ignoreEvents } from './events';
import { readFeed } from './readFeed';

export const defaultOaiUrl = 'https://oaipmh.arxiv.org/oai';

export interface HarvestRequest {
  set: string;
  /** `YYYY-MM-DD` datestamps (OAI selects by last modification, not submission). */
  from?: string;
  until?: string;
  /** Stop this invocation after this many records (the run stays resumable). */
  max?: number;
  restart?: boolean;
}

export interface HarvestDeps {
  db: Db;
  http: PoliteHttpClient;
  clock: Clock;
  oaiUrl?: string;
  signal?: AbortSignal;
  onEvent?: IngestEventSink;
  pageRetries?: number;
  retryWaitMs?: number;
}

export interface HarvestResult {
  fetched: number;
  stored: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  pages: number;
  completeListSize: number | null;
  resumed: boolean;
  complete: boolean;
}

export async function harvestOai(request: HarvestRequest, deps: HarvestDeps): Promise<HarvestResult> {
  const onEvent = deps.onEvent ?? ignoreEvents;
  const base = deps.oaiUrl ?? defaultOaiUrl;
  const params = { set: request.set, from: request.from, until: request.until, metadataPrefix: 'arXiv' };
  const runs = new FetchRunStore(deps.db);
  const papers = new PaperStore(deps.db);
  const key = runKey('oai-pmh', params);
  const saved = runs.get(key);
  const resumed = !request.restart && saved?.status === 'running';
  const run = resumed
    ? saved!
    : runs.begin(key, 'oai-pmh', params, { resumptionToken: null }, isoNow(deps.clock));
  let token = 'resumptionToken' in run.cursor ? run.cursor.resumptionToken : null;
  const result: HarvestResult = {
    fetched: 0,
    stored: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    pages: 0,
    completeListSize: run.total,
    resumed,
    complete: false,
  };
  onEvent({ type: 'start', source: 'oai-pmh', resumed, position: run.received, target: run.total });
  let position = run.received;

  const commitPage = deps.db.transaction((page: OaiPage) => {
    const counts = papers.upsertMany(page.papers, 'oai-pmh', isoNow(deps.clock));
    runs.advance(
      key,
      { resumptionToken: page.resumptionToken },
      {
        received: page.papers.length + page.deletedIds.length,
        stored: counts.inserted + counts.updated,
        total: page.completeListSize,
      },
      isoNow(deps.clock),
    );
    return counts;
  });

  do {
    if (request.max !== undefined && result.fetched >= request.max) return result;
    const url = token
      ? buildOaiListRecordsUrl(base, { resumptionToken: token })
      : buildOaiListRecordsUrl(base, { set: request.set, from: request.from, until: request.until });
    const page = await readOaiPage(url, deps, token !== null && resumed && result.pages === 0);
    const counts = commitPage(page);
    token = page.resumptionToken;
    result.pages++;
    result.fetched += page.papers.length;
    result.deleted += page.deletedIds.length;
    result.inserted += counts.inserted;
    result.updated += counts.updated;
    result.unchanged += counts.unchanged;
    result.stored += counts.inserted + counts.updated;
    result.completeListSize = page.completeListSize ?? result.completeListSize;
    position += page.papers.length + page.deletedIds.length;
    onEvent({
      type: 'page',
      received: page.papers.length,
      stored: counts.inserted + counts.updated,
      position,
      target: result.completeListSize,
    });
  } while (token);
  runs.finish(key, isoNow(deps.clock));
  result.complete = true;
  return result;
}

async function readOaiPage(url: string, deps: HarvestDeps, usingSavedToken: boolean): Promise<OaiPage> {
  try {
    return await readFeed(url, deps, (response) => {
      if (response.status >= 400) {
        throw new MiniAstroError(
          'remote',
          `The OAI-PMH endpoint answered HTTP ${response.status} for ${url}.`,
          'Check --oai-url (arXiv: https://oaipmh.arxiv.org/oai) and the --set name (e.g. physics:astro-ph).',
        );
      }
      return parseOaiListRecords(response.body, { url });
    });
  } catch (error) {
    if (error instanceof FeedError && error.code === 'badResumptionToken' && usingSavedToken) {
      throw new MiniAstroError(
        'remote',
        'The saved OAI-PMH resumption token has expired, so this harvest cannot continue where it stopped.',
        'Run the same harvest with --restart. Papers already stored are kept; repeats are merged, not duplicated.',
        { cause: error },
      );
    }
    throw error;
  }
}
