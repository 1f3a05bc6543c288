/**
 * Abstracts the editor needs but the database lacks (a cited arXiv id, a .bib entry without an abstract), fetched
 * from the arXiv API — only when the user allows it — with the same politeness as `miniastrolm fetch`, and stored.
 */
import { systemClock } from '../core/clock';
import { fetchFromApi } from '../pipeline/ingest/fetchApi';
import { PoliteHttpClient } from '../pipeline/net/politeHttp';
import { userAgent } from '../pipeline/net/userAgent';
import { PaperStore } from '../pipeline/store/papers';
import type { FetchPapersParams, FetchPapersResult } from './protocol';
import type { Databases } from './resources';

export async function fetchPapers(
  params: FetchPapersParams,
  databases: Databases,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<FetchPapersResult> {
  const db = databases.get(params.databasePath);
  const papers = new PaperStore(db);
  const wanted = [...new Set(params.ids)].filter((id) => !papers.get(id));
  if (wanted.length > 0) {
    const http = new PoliteHttpClient({
      userAgent: userAgent(env),
      delayMs: params.delayMs,
      timeoutMs: 60_000,
      maxRetries: 3,
      backoffBaseMs: 2000,
      clock: systemClock,
    });
    await fetchFromApi(
      { idList: wanted, max: wanted.length, restart: true },
      { db, http, clock: systemClock, apiUrl: params.arxivApiUrl, signal },
    );
  }
  const stored = params.ids.filter((id) => papers.get(id));
  return { stored, missing: params.ids.filter((id) => !stored.includes(id)) };
}
