import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { PoliteHttpClient, parseRetryAfter } from '../../../src/pipeline/net/politeHttp';
import { type ArxivServer, startArxivServer } from '../../helpers/arxivServer';
import { FakeClock } from '../../helpers/fakeClock';
import { syntheticPapers } from '../../helpers/feeds';

/** Sends requests for arXiv's real host to the loopback server, so the 3 s floor is exercised over real HTTP. */
function routeArxivTo(server: ArxivServer): typeof fetch {
  return (input, init) => {
    const url = String(input).replace('https://export.arxiv.org/api/query', server.apiUrl);
    return fetch(url, init);
  };
}

async function withServer(t: import('node:test').TestContext): Promise<ArxivServer> {
  const server = await startArxivServer(syntheticPapers(30));
  t.after(() => server.close());
  return server;
}

function client(
  server: ArxivServer,
  clock: FakeClock,
  extra: Partial<ConstructorParameters<typeof PoliteHttpClient>[0]> = {},
) {
  return new PoliteHttpClient({
    userAgent: 'MiniAstroLM-test/1.0 (mailto:test@example.org)',
    delayMs: 0,
    clock,
    fetch: routeArxivTo(server),
    backoffBaseMs: 1000,
    ...extra,
  });
}

/** Virtual gaps between the starts of consecutive requests. */
function gaps(starts: number[]): number[] {
  return starts.slice(1).map((t, i) => t - starts[i]!);
}

test('requests to arXiv are at least 3 s apart even when a smaller delay is configured', async (t) => {
  const server = await withServer(t);
  const clock = new FakeClock();
  const starts: number[] = [];
  const http = client(server, clock, {
    delayMs: 500,
    onEvent: (e) => e.type === 'request' && starts.push(clock.now()),
  });
  for (let i = 0; i < 4; i++) {
    const r = await http.get(
      `https://export.arxiv.org/api/query?search_query=all&start=${i * 10}&max_results=10`,
    );
    assert.equal(r.status, 200);
  }
  assert.equal(server.requests.length, 4);
  assert.deepEqual(gaps(starts), [3000, 3000, 3000]);
  assert.ok(server.requests.every((r) => r.userAgent?.startsWith('MiniAstroLM-test/1.0')));
});

test('a configured delay above 3 s is kept, and other hosts use the configured delay as is', async (t) => {
  const server = await withServer(t);
  const clock = new FakeClock();
  const starts: number[] = [];
  const slow = client(server, clock, {
    delayMs: 4500,
    onEvent: (e) => e.type === 'request' && starts.push(clock.now()),
  });
  await slow.get('https://export.arxiv.org/api/query?search_query=all');
  await slow.get('https://export.arxiv.org/api/query?search_query=all');
  assert.deepEqual(gaps(starts), [4500]);

  const local = client(server, new FakeClock(), { delayMs: 0 });
  assert.equal(local.delayFor(server.apiUrl), 0);
  assert.equal(local.delayFor('https://oaipmh.arxiv.org/oai'), 3000);
  assert.equal(local.delayFor('http://export.arxiv.org/api/query'), 3000);
});

test('one connection at a time: concurrent calls are serialised', async (t) => {
  const server = await withServer(t);
  let inFlight = 0;
  let maxInFlight = 0;
  server.beforeAnswer = async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 30));
    inFlight--;
  };
  const http = client(server, new FakeClock());
  await Promise.all([0, 1, 2, 3].map((i) => http.get(`${server.apiUrl}?search_query=all&start=${i}`)));
  assert.equal(server.requests.length, 4);
  assert.equal(maxInFlight, 1);
});

test('429 with Retry-After is honoured, 503 backs off exponentially, then the answer is returned', async (t) => {
  const server = await withServer(t);
  server.faults = [
    { kind: 'status', status: 429, retryAfter: '7' },
    { kind: 'status', status: 503 },
    { kind: 'status', status: 503 },
  ];
  const clock = new FakeClock();
  const retries: number[] = [];
  const http = client(server, clock, { onEvent: (e) => e.type === 'retry' && retries.push(e.waitMs) });
  const r = await http.get(`${server.apiUrl}?search_query=all`);
  assert.equal(r.status, 200);
  assert.match(r.body, /<feed/);
  // Retry-After (7 s) beats the first backoff (1 s); then 2 s, 4 s.
  assert.deepEqual(retries, [7000, 2000, 4000]);
  assert.equal(server.requests.length, 4);
});

test('Retry-After as an HTTP date, and one too long to wait out stops the run with a resumable message', async (t) => {
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', Date.UTC(2026, 0, 1)), 30_000);
  assert.equal(parseRetryAfter('soon', 0), null);
  const server = await withServer(t);
  server.faults = [{ kind: 'status', status: 503, retryAfter: '86400' }];
  const http = client(server, new FakeClock());
  await assert.rejects(http.get(`${server.apiUrl}?search_query=all`), (e: unknown) => {
    assert.ok(e instanceof MiniAstroError);
    assert.equal(e.kind, 'remote');
    assert.match(e.message, /wait 86400 s/);
    assert.match(e.hint, /resumes/);
    return true;
  });
});

test('retries are bounded: persistent 500s end in a clear remote error', async (t) => {
  const server = await withServer(t);
  server.faults = Array.from({ length: 10 }, () => ({ kind: 'status' as const, status: 500 }));
  const http = client(server, new FakeClock(), { maxRetries: 2 });
  await assert.rejects(http.get(`${server.apiUrl}?search_query=all`), /after 3 attempts: HTTP 500/);
  assert.equal(server.requests.length, 3);
});

test('a 400 answer is returned at once, not retried', async (t) => {
  const server = await withServer(t);
  server.faults = [{ kind: 'body', status: 400, body: '<feed/>' }];
  const http = client(server, new FakeClock());
  const r = await http.get(`${server.apiUrl}?id_list=abc`);
  assert.equal(r.status, 400);
  assert.equal(server.requests.length, 1);
});

test('a body cut off mid-stream and a stalled body are retried', async (t) => {
  const server = await withServer(t);
  server.faults = [{ kind: 'truncated' }, { kind: 'hang' }];
  const reasons: string[] = [];
  const http = client(server, new FakeClock(), {
    timeoutMs: 300,
    onEvent: (e) => e.type === 'retry' && reasons.push(e.reason),
  });
  const r = await http.get(`${server.apiUrl}?search_query=all&max_results=5`);
  assert.equal(r.status, 200);
  assert.match(r.body, /<\/feed>/);
  assert.equal(reasons.length, 2);
  assert.ok(
    reasons.every((reason) => reason.startsWith('network error')),
    reasons.join('; '),
  );
});

test('an abort stops waiting at once', async (t) => {
  const server = await withServer(t);
  server.faults = [{ kind: 'status', status: 503 }];
  const controller = new AbortController();
  const http = new PoliteHttpClient({
    userAgent: 'test',
    delayMs: 0,
    backoffBaseMs: 60_000,
    onEvent: (e) => e.type === 'retry' && controller.abort(new Error('interrupted by SIGINT')),
  });
  await assert.rejects(
    http.get(`${server.apiUrl}?search_query=all`, controller.signal),
    /interrupted by SIGINT/,
  );
});
