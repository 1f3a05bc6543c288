import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startArxivServer } from '../helpers/arxivServer';
import { runCli, startCli } from '../helpers/cli';
import { syntheticPapers } from '../helpers/feeds';
import { tempDir } from '../helpers/tmp';

test('a fetch killed with SIGKILL mid-run resumes with no gap and no duplicate', async (t) => {
  const corpus = syntheticPapers(500);
  const server = await startArxivServer(corpus);
  t.after(() => server.close());
  const db = path.join(tempDir(t), 'astro.db');
  const args = [
    'fetch',
    '--query',
    'cat:astro-ph',
    '--max',
    '500',
    '--page-size',
    '50',
    '--delay-ms',
    '0',
    '--db',
    db,
    '--json',
  ];
  const env = { MINIASTROLM_ARXIV_URL: server.apiUrl };

  // Slow answers give the kill a chance to land between and during page commits.
  const { child, done } = startCli(args, env);
  server.beforeAnswer = async (_req, index) => {
    if (index === 4) child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 60));
  };
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL');

  const raw = new Database(db, { readonly: true });
  const stored = (raw.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  const run = raw.prepare('SELECT cursor, status FROM fetch_runs').get() as {
    cursor: string;
    status: string;
  };
  raw.close();
  const cursor = (JSON.parse(run.cursor) as { start: number }).start;
  assert.equal(run.status, 'running');
  assert.ok(stored > 0 && stored < 500, `killed mid-run with ${stored} stored`);
  // The cursor was committed with its page: exactly the papers before it are stored.
  assert.equal(cursor, stored);

  server.beforeAnswer = undefined;
  const firstRunRequests = server.requests.length;
  const resumed = await runCli(args, env);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.json?.['resumedFrom'], cursor);
  assert.equal(resumed.json?.['fetched'], 500 - cursor);
  assert.equal(server.requests[firstRunRequests]!.params.get('start'), String(cursor));

  const check = new Database(db, { readonly: true });
  const ids = (check.prepare('SELECT id FROM papers ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  check.close();
  assert.deepEqual(ids, corpus.map((p) => p.id).sort());
});
