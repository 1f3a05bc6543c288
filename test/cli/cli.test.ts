import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startArxivServer } from '../helpers/arxivServer';
import { runCli } from '../helpers/cli';
import { syntheticPapers } from '../helpers/feeds';
import { needRealdata } from '../helpers/realdata';
import { tempDir } from '../helpers/tmp';

test('--help is readable at the top level and for every verb', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const verb of ['fetch', 'harvest', 'import', 'batch', 'db']) {
    assert.match(top.stdout, new RegExp(`\\n  ${verb} `));
    const help = await runCli([verb, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^miniastrolm ${verb}`));
  }
  const none = await runCli([]);
  assert.equal(none.code, 2);
});

test('usage errors exit 2 with a hint; unknown commands too', async () => {
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
  const noQuery = await runCli(['fetch', '--json']);
  assert.equal(noQuery.code, 2);
  assert.match(noQuery.stderr, /fetch needs --query or --ids/);
  assert.equal(noQuery.json?.['kind'], 'usage');
  const tooMany = await runCli(['fetch', '--query', 'cat:astro-ph', '--max', '50000']);
  assert.equal(tooMany.code, 2);
  assert.match(tooMany.stderr, /30000/);
  const badFlag = await runCli(['import', '--frob']);
  assert.equal(badFlag.code, 2);
});

test('fetch, import, batch and db stats honour the --json contract', async (t) => {
  const server = await startArxivServer(syntheticPapers(30));
  t.after(() => server.close());
  const dir = tempDir(t);
  const db = path.join(dir, 'astro.db');
  const fetched = await runCli([
    'fetch',
    '--query',
    'cat:astro-ph.HE',
    '--max',
    '25',
    '--page-size',
    '10',
    '--arxiv-url',
    server.apiUrl,
    '--delay-ms',
    '0',
    '--db',
    db,
    '--json',
  ]);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.deepEqual([fetched.json?.['fetched'], fetched.json?.['stored']], [25, 25]);
  // Progress arrives as JSON lines on stderr.
  const events = fetched.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(
    events.map((e) => e.type),
    ['start', 'page', 'page', 'page'],
  );

  const records = path.join(dir, 'more.jsonl');
  writeFileSync(
    records,
    `${JSON.stringify({ id: '2503.90001', title: 'Imported', abstract: 'Magnetic braking spins down stars.', categories: ['astro-ph.SR'] })}\n`,
  );
  const imported = await runCli(['import', records, '--db', db, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.json?.['imported'], 1);

  const batch = await runCli(['batch', 'create', 'he', '--category', 'astro-ph.HE', '--db', db, '--json']);
  assert.equal(batch.code, 0, batch.stderr);
  assert.equal(batch.json?.['papers'], 13);

  const stats = await runCli(['db', 'stats', '--db', db, '--json']);
  assert.equal(stats.code, 0, stats.stderr);
  assert.equal(stats.json?.['papers'], 26);
  assert.equal(stats.json?.['batches'], 1);
  const human = await runCli(['db', 'stats', '--db', db]);
  assert.match(human.stdout, /Papers:\s+26/);
});

test('the environment can point fetch at another arXiv URL', async (t) => {
  const server = await startArxivServer(syntheticPapers(3));
  t.after(() => server.close());
  const db = path.join(tempDir(t), 'astro.db');
  const run = await runCli(
    ['fetch', '--ids', '2501.90000,2501.90002', '--db', db, '--delay-ms', '0', '--json'],
    {
      MINIASTROLM_ARXIV_URL: server.apiUrl,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.json?.['fetched'], 2);
  assert.equal(server.requests[0]!.params.get('id_list'), '2501.90000,2501.90002');
});

test('a database path that holds something else fails with exit 5 and keeps the file', async (t) => {
  const dir = tempDir(t);
  const notDb = path.join(dir, 'thesis.tex');
  writeFileSync(notDb, '\\documentclass{aastex631}\n');
  const run = await runCli(['db', 'stats', '--db', notDb]);
  assert.equal(run.code, 5);
  assert.match(run.stderr, /thesis\.tex is not a SQLite database/);
  const missing = await runCli(['db', 'stats', '--db', path.join(dir, 'none.db'), '--json']);
  assert.equal(missing.code, 5);
  assert.equal(missing.json?.['kind'], 'database');
});

test('import of the real seed abstracts through the CLI', async (t) => {
  const file = needRealdata(t, 'abstracts', 'miniastrogpt_val_data.jsonl');
  if (!file) return;
  const db = path.join(tempDir(t), 'astro.db');
  const run = await runCli(['import', file, '--db', db, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.json?.['imported'], 687);
  const stats = await runCli(['db', 'stats', '--db', db, '--json']);
  assert.ok((stats.json?.['papers'] as number) > 600);
});
