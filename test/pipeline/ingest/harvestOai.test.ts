import assert from 'node:assert/strict';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { type HarvestDeps, harvestOai } from '../../../src/pipeline/ingest/harvestOai';
import { PoliteHttpClient } from '../../../src/pipeline/net/politeHttp';
import { openDatabase } from '../../../src/pipeline/store/database';
import { FetchRunStore } from '../../../src/pipeline/store/fetchRuns';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { oaiError, startArxivServer } from '../../helpers/arxivServer';
import { FakeClock } from '../../helpers/fakeClock';
import { syntheticPapers } from '../../helpers/feeds';
import { tempDir } from '../../helpers/tmp';

async function setup(t: TestContext, corpusSize = 250) {
  const server = await startArxivServer(syntheticPapers(corpusSize));
  server.oaiPageSize = 100;
  t.after(() => server.close());
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  const clock = new FakeClock();
  const deps: HarvestDeps = {
    db,
    clock,
    oaiUrl: server.oaiUrl,
    http: new PoliteHttpClient({ userAgent: 'test', delayMs: 0, clock, backoffBaseMs: 100 }),
    retryWaitMs: 100,
  };
  return { server, db, deps, papers: new PaperStore(db) };
}

test('a harvest follows resumption tokens to the end of the list', async (t) => {
  const { server, deps, papers } = await setup(t);
  const result = await harvestOai({ set: 'physics:astro-ph', from: '2025-01-01' }, deps);
  assert.deepEqual(
    [result.fetched, result.inserted, result.pages, result.completeListSize, result.complete],
    [250, 250, 3, 250, true],
  );
  assert.equal(papers.count(), 250);
  const [first, second] = server.requests;
  assert.equal(first!.params.get('verb'), 'ListRecords');
  assert.equal(first!.params.get('metadataPrefix'), 'arXiv');
  assert.equal(first!.params.get('set'), 'physics:astro-ph');
  assert.equal(first!.params.get('from'), '2025-01-01');
  // With a token, OAI-PMH allows no other argument.
  assert.deepEqual([...second!.params.keys()].sort(), ['resumptionToken', 'verb']);
  const stored = papers.get(syntheticPapers(1)[0]!.id)!;
  assert.equal(stored.version, null);
  assert.equal(stored.source, 'oai-pmh');
  assert.equal(stored.primaryCategory, 'astro-ph.HE');
  assert.match(stored.abstract, /^Paper 0: we model/);
});

test('an interrupted harvest resumes with the saved token; 503 + Retry-After is flow control', async (t) => {
  const { server, deps, db, papers } = await setup(t);
  const controller = new AbortController();
  server.beforeAnswer = (_req, index) => {
    if (index === 2) controller.abort(new Error('interrupted by SIGTERM'));
  };
  await assert.rejects(
    harvestOai({ set: 'physics:astro-ph' }, { ...deps, signal: controller.signal }),
    /interrupted/,
  );
  assert.equal(papers.count(), 200);
  assert.deepEqual(new FetchRunStore(db).list()[0]!.cursor, { resumptionToken: 'synthetic|200' });

  server.beforeAnswer = undefined;
  server.requests.length = 0;
  server.faults = [{ kind: 'status', status: 503, retryAfter: '2' }];
  const resumed = await harvestOai({ set: 'physics:astro-ph' }, deps);
  assert.deepEqual([resumed.resumed, resumed.fetched, papers.count()], [true, 50, 250]);
  assert.deepEqual(
    server.requests.map((r) => r.params.get('resumptionToken')),
    ['synthetic|200', 'synthetic|200'],
  );
});

test('an expired saved token says to restart; --restart starts over without duplicates', async (t) => {
  const { server, deps, db, papers } = await setup(t);
  await harvestOai({ set: 'physics:astro-ph', max: 100 }, deps);
  assert.equal(papers.count(), 100);
  const key = new FetchRunStore(db).list()[0]!.key;
  new FetchRunStore(db).advance(
    key,
    { resumptionToken: 'expired-token' },
    { received: 0, stored: 0, total: null },
    'now',
  );
  await assert.rejects(harvestOai({ set: 'physics:astro-ph' }, deps), /resumption token has expired[\s\S]*/);
  const restarted = await harvestOai({ set: 'physics:astro-ph', restart: true }, deps);
  assert.equal(restarted.complete, true);
  assert.equal(papers.count(), 250);
  assert.ok(server.requests.length >= 5);
});

test('noRecordsMatch is an empty harvest, other OAI errors are reported with their code', async (t) => {
  const { server, deps } = await setup(t, 0);
  const empty = await harvestOai({ set: 'physics:astro-ph', from: '2030-01-01' }, deps);
  assert.deepEqual([empty.fetched, empty.complete], [0, true]);
  server.faults = [
    {
      kind: 'body',
      status: 200,
      body: oaiError('noSetHierarchy', 'This repository does not support sets'),
      contentType: 'text/xml',
    },
  ];
  await assert.rejects(harvestOai({ set: 'nonsense', restart: true }, deps), /noSetHierarchy/);
});
