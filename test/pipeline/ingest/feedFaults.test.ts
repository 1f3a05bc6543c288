/**
 * What an arXiv endpoint may send besides a good feed, answered by a raw loopback server (exact bytes and
 * headers): a Latin-1 body that says so, one that does not, a JSON error object, and a redirect loop.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { type FetchDeps, fetchFromApi } from '../../../src/pipeline/ingest/fetchApi';
import { PoliteHttpClient } from '../../../src/pipeline/net/politeHttp';
import { openDatabase } from '../../../src/pipeline/store/database';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { FakeClock } from '../../helpers/fakeClock';
import { atomFeed, syntheticPapers } from '../../helpers/feeds';
import { tempDir } from '../../helpers/tmp';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function setup(t: TestContext, handler: Handler) {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  const clock = new FakeClock();
  const retries: string[] = [];
  const deps: FetchDeps = {
    db,
    clock,
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/query`,
    http: new PoliteHttpClient({
      userAgent: 'test',
      delayMs: 0,
      clock,
      backoffBaseMs: 10,
      maxRetries: 2,
      timeoutMs: 2000,
      onEvent: (e) => {
        if (e.type === 'retry') retries.push(e.reason);
      },
    }),
    retryWaitMs: 10,
    onEvent: (e) => {
      if (e.type === 'retry') retries.push(e.reason);
    },
  };
  return { deps, papers: new PaperStore(db), requests: () => requests, retries };
}

const [paper] = syntheticPapers(1);
const feed = atomFeed([{ ...paper!, abstract: 'Café-au-lait light curves of a magnetar.' }], {
  total: 1,
  start: 0,
  itemsPerPage: 1,
});
const request = { idList: [paper!.id], max: 1 };

test('a body in the charset its Content-Type names is read in that charset', async (t) => {
  const { deps, papers } = await setup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=ISO-8859-1' });
    res.end(Buffer.from(feed.replace("encoding='UTF-8'", "encoding='ISO-8859-1'"), 'latin1'));
  });
  await fetchFromApi(request, deps);
  assert.equal(papers.get(paper!.id)?.abstract, 'Café-au-lait light curves of a magnetar.');
});

test('a body that is not UTF-8 and names no other charset is refused, not stored with U+FFFD', async (t) => {
  const { deps, papers, requests } = await setup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/atom+xml' });
    res.end(Buffer.from(feed, 'latin1'));
  });
  await assert.rejects(fetchFromApi(request, deps), (e: unknown) => {
    assert.ok(e instanceof MiniAstroError);
    assert.equal(e.kind, 'remote');
    assert.match(
      e.message,
      /The response from http:\/\/127\.0\.0\.1:\d+\/api\/query\S* is not UTF-8: line \d+/,
    );
    return true;
  });
  assert.equal(papers.get(paper!.id), undefined);
  assert.equal(requests(), 1);
});

test('a JSON error object is described as JSON with what it says, not as XML cut off in transit', async (t) => {
  const { deps } = await setup(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'rate limited by gateway' } }));
  });
  await assert.rejects(fetchFromApi(request, deps), (e: unknown) => {
    assert.ok(e instanceof MiniAstroError);
    assert.match(e.message, /is a JSON document saying "rate limited by gateway", not an Atom feed/);
    assert.doesNotMatch(e.message, /cut off|not well-formed XML/);
    return true;
  });
  const { deps: deps400 } = await setup(t, (_req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"detail": "unknown field sortBy"}');
  });
  await assert.rejects(
    fetchFromApi(request, deps400),
    /HTTP 400 .* with a JSON document saying "unknown field sortBy"/,
  );
});

test('a redirect loop stops at the first attempt and says it is a loop', async (t) => {
  const { deps, retries } = await setup(t, (req, res) => {
    res.writeHead(302, { location: req.url ?? '/' });
    res.end();
  });
  await assert.rejects(fetchFromApi(request, deps), (e: unknown) => {
    assert.ok(e instanceof MiniAstroError);
    assert.equal(e.kind, 'remote');
    assert.match(e.message, /redirects in a loop \(fetch failed: redirect count exceeded\)/);
    return true;
  });
  assert.deepEqual(retries, []);
});
