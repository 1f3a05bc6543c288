import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { FeedError } from '../../../src/pipeline/arxiv/atom';
import { type FetchDeps, fetchFromApi } from '../../../src/pipeline/ingest/fetchApi';
import { PoliteHttpClient } from '../../../src/pipeline/net/politeHttp';
import { openDatabase } from '../../../src/pipeline/store/database';
import { FetchRunStore } from '../../../src/pipeline/store/fetchRuns';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { startArxivServer } from '../../helpers/arxivServer';
import { FakeClock } from '../../helpers/fakeClock';
import { syntheticPapers } from '../../helpers/feeds';
import { needRealdata } from '../../helpers/realdata';
import { tempDir } from '../../helpers/tmp';

async function setup(t: TestContext, corpusSize = 250) {
  const server = await startArxivServer(syntheticPapers(corpusSize));
  t.after(() => server.close());
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  const clock = new FakeClock();
  const deps: FetchDeps = {
    db,
    clock,
    apiUrl: server.apiUrl,
    http: new PoliteHttpClient({ userAgent: 'test', delayMs: 0, clock, backoffBaseMs: 100, timeoutMs: 2000 }),
    retryWaitMs: 100,
  };
  return { server, db, clock, deps, papers: new PaperStore(db) };
}

test('pages through a query and stores every result once', async (t) => {
  const { server, deps, papers } = await setup(t);
  const result = await fetchFromApi({ searchQuery: 'cat:astro-ph.HE', max: 1000, pageSize: 100 }, deps);
  assert.equal(result.fetched, 250);
  assert.equal(result.inserted, 250);
  assert.equal(result.pages, 3);
  assert.equal(result.totalResults, 250);
  assert.equal(result.complete, true);
  assert.equal(papers.count(), 250);
  assert.deepEqual(
    server.requests.map((r) => [r.params.get('start'), r.params.get('max_results')]),
    [
      ['0', '100'],
      ['100', '100'],
      ['200', '50'],
    ],
  );
  const first = server.requests[0]!.params;
  assert.equal(first.get('search_query'), 'cat:astro-ph.HE');
  assert.equal(first.get('sortBy'), 'submittedDate');
  assert.equal(first.get('sortOrder'), 'descending');
  // Re-running a finished query starts again and finds nothing new.
  const again = await fetchFromApi({ searchQuery: 'cat:astro-ph.HE', max: 1000, pageSize: 100 }, deps);
  assert.deepEqual([again.fetched, again.stored, again.unchanged], [250, 0, 250]);
});

test('--max stops early; asking for more later continues from the saved run only with the same parameters', async (t) => {
  const { server, deps, papers } = await setup(t);
  const result = await fetchFromApi({ searchQuery: 'all:disk', max: 120, pageSize: 50 }, deps);
  assert.equal(result.fetched, 120);
  assert.equal(papers.count(), 120);
  assert.deepEqual(
    server.requests.map((r) => r.params.get('max_results')),
    ['50', '50', '20'],
  );
});

test('an empty page in the middle of a result set is retried, not taken as the end', async (t) => {
  const { server, deps, papers, clock } = await setup(t);
  server.faults = [undefined, { kind: 'empty-page' }, { kind: 'empty-page' }];
  const result = await fetchFromApi({ searchQuery: 'all:disk', max: 1000, pageSize: 100 }, deps);
  assert.equal(result.fetched, 250);
  assert.equal(papers.count(), 250);
  assert.deepEqual(
    server.requests.map((r) => r.params.get('start')),
    ['0', '100', '100', '100', '200'],
  );
  assert.deepEqual(clock.sleeps, [100, 200]);
});

test('persistent empty pages stop with a resumable error; the rerun continues at the same place', async (t) => {
  const { server, deps, db, papers } = await setup(t);
  server.faults = [undefined, ...Array.from({ length: 4 }, () => ({ kind: 'empty-page' as const }))];
  await assert.rejects(
    fetchFromApi({ searchQuery: 'all:disk', max: 1000, pageSize: 100 }, deps),
    (e: unknown) => {
      assert.ok(e instanceof MiniAstroError);
      assert.match(e.message, /empty pages at start=100 although it reports 250 results/);
      assert.match(e.hint, /resume/);
      return true;
    },
  );
  assert.equal(papers.count(), 100);
  const run = new FetchRunStore(db).list()[0]!;
  assert.deepEqual([run.status, run.cursor], ['running', { start: 100 }]);
  server.requests.length = 0;
  const resumed = await fetchFromApi({ searchQuery: 'all:disk', max: 1000, pageSize: 100 }, deps);
  assert.equal(resumed.resumedFrom, 100);
  assert.equal(resumed.fetched, 150);
  assert.equal(server.requests[0]!.params.get('start'), '100');
  assert.equal(papers.count(), 250);
});

test('HTTP faults (429, 503, cut-off body, slow body, HTML error page) are survived without losing or repeating papers', async (t) => {
  const { server, deps, papers } = await setup(t);
  server.faults = [
    { kind: 'status', status: 429, retryAfter: '1' },
    undefined,
    { kind: 'truncated' },
    { kind: 'slow', delayMs: 150 },
    { kind: 'status', status: 503 },
    {
      kind: 'body',
      status: 200,
      body: '<html><body><h1>Service busy</h1></body></html>',
      contentType: 'text/html',
    },
  ];
  const result = await fetchFromApi({ searchQuery: 'all:disk', max: 1000, pageSize: 100 }, deps);
  assert.equal(result.fetched, 250);
  assert.equal(papers.count(), 250);
  assert.equal(new Set(server.requests.map((r) => r.params.get('start'))).size, 3);
});

test('a malformed page that stays malformed fails clearly and nothing of it is stored', async (t) => {
  const { server, deps, papers } = await setup(t);
  const bad = {
    kind: 'body' as const,
    status: 200,
    body: '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2501.00001v1</id><title>Cut',
  };
  server.faults = [undefined, bad, bad, bad, bad];
  await assert.rejects(
    fetchFromApi({ searchQuery: 'all:disk', max: 1000, pageSize: 100 }, deps),
    (e: unknown) => {
      assert.ok(e instanceof FeedError);
      assert.equal(e.reason, 'malformed');
      return true;
    },
  );
  assert.equal(papers.count(), 100);
});

test("arXiv's error feed for a bad id is reported with the id, not retried", async (t) => {
  const file = needRealdata(t, 'arxiv-api', 'id_abc_s0_m100_b79c8dcf6bc3.xml');
  if (!file) return;
  const { server, deps, papers } = await setup(t);
  server.faults = [{ kind: 'body', status: 400, body: readFileSync(file, 'utf8') }];
  await assert.rejects(fetchFromApi({ searchQuery: 'all:electron', max: 10 }, deps), (e: unknown) => {
    assert.ok(e instanceof FeedError, String(e));
    assert.equal(e.reason, 'arxiv-error');
    assert.match(e.message, /abc/);
    return true;
  });
  assert.equal(server.requests.length, 1);
  assert.equal(papers.count(), 0);
  // An id that cannot be valid is refused before asking arXiv at all, naming the id.
  await assert.rejects(fetchFromApi({ idList: ['abc'], max: 10 }, deps), /"abc"/);
  assert.equal(server.requests.length, 1);
});

test('a recorded real response for an id list is stored with ids without version', async (t) => {
  const file = needRealdata(t, 'arxiv-api', 'id_1707.08567_s0_m100_6a1afebfc6a3.xml');
  if (!file) return;
  const { server, deps, papers } = await setup(t, 0);
  server.faults = [{ kind: 'body', status: 200, body: readFileSync(file, 'utf8') }];
  const result = await fetchFromApi({ idList: ['1707.08567'], max: 1 }, deps);
  assert.equal(server.requests[0]!.params.get('id_list'), '1707.08567');
  assert.equal(result.fetched, papers.count());
  assert.ok(result.fetched >= 1);
  for (const p of papers.list(10)) assert.doesNotMatch(p.id, /v\d+$/);
});

test('an interrupt between pages keeps the committed pages and the cursor', async (t) => {
  const { server, deps, db, papers } = await setup(t);
  const controller = new AbortController();
  server.beforeAnswer = (_req, index) => {
    if (index === 2) controller.abort(new Error('interrupted by SIGINT'));
  };
  await assert.rejects(
    fetchFromApi(
      { searchQuery: 'all:disk', max: 1000, pageSize: 100 },
      { ...deps, signal: controller.signal },
    ),
    /interrupted/,
  );
  assert.equal(papers.count(), 200);
  assert.deepEqual(new FetchRunStore(db).list()[0]!.cursor, { start: 200 });
  server.beforeAnswer = undefined;
  const resumed = await fetchFromApi({ searchQuery: 'all:disk', max: 1000, pageSize: 100 }, deps);
  assert.deepEqual([resumed.resumedFrom, resumed.fetched, papers.count()], [200, 50, 250]);
  // --restart ignores the saved cursor.
  const restarted = await fetchFromApi(
    { searchQuery: 'all:disk', max: 1000, pageSize: 100, restart: true },
    deps,
  );
  assert.deepEqual([restarted.resumedFrom, restarted.fetched, restarted.stored], [0, 250, 0]);
});

test('asking for more later continues the same run from where the smaller one ended', async (t) => {
  const { server, deps, papers } = await setup(t);
  await fetchFromApi({ searchQuery: 'all:disk', max: 100, pageSize: 50 }, deps);
  server.requests.length = 0;
  const more = await fetchFromApi({ searchQuery: 'all:disk', max: 180, pageSize: 50 }, deps);
  assert.deepEqual([more.resumedFrom, more.fetched, papers.count()], [100, 80, 180]);
  assert.deepEqual(
    server.requests.map((r) => r.params.get('start')),
    ['100', '150'],
  );
  // The same --max again: the run is complete, so it starts from the top to pick up new submissions.
  const again = await fetchFromApi({ searchQuery: 'all:disk', max: 180, pageSize: 50 }, deps);
  assert.equal(again.resumedFrom, 0);
});
