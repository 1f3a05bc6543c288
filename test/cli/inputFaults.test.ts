/** Import and fetch faults that only show through the CLI: signals, and --retries reaching page refetches. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`import on ${signal} prints the "interrupted, resumable" line and exits 130, keeping what it stored`, async (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, 'many.jsonl');
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({ id: `2501.${String(10000 + i)}`, title: `T${i}`, abstract: 'Stars spin down.' }),
    );
    writeFileSync(file, `${lines.join('\n')}\n`);
    const db = path.join(dir, 'astro.db');
    const { child, done } = startCli(['import', file, '--db', db, '--json']);
    let sent = false;
    child.stderr!.on('data', (chunk: string) => {
      if (!sent && chunk.includes('"type":"page"')) {
        sent = true;
        child.kill(signal);
      }
    });
    const run = await done;
    assert.ok(sent, run.stderr);
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, new RegExp(`interrupted by ${signal}: .*run the same command to resume`));
    const raw = new Database(db, { readonly: true });
    const stored = (raw.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    raw.close();
    assert.ok(stored >= 1000 && stored < 20_000 && stored % 1000 === 0, String(stored));
    // Running it again finishes the job; what was stored is merged, not duplicated.
    const again = await runCli(['import', file, '--db', db, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.json?.['inserted'], again.json?.['unchanged']], [20_000 - stored, stored]);
  });
}

test('fetch --retries 0 also means no refetch of a page that arrived but does not parse', async (t) => {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><head><title>Proxy error</title></head></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/query`;
  const db = path.join(tempDir(t), 'astro.db');
  const run = await runCli(
    ['fetch', '--query', 'cat:astro-ph', '--arxiv-url', url, '--delay-ms', '0', '--retries', '0', '--db', db],
    { MINIASTROLM_BACKOFF_MS: '1' },
  );
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /an HTML page \("Proxy error"\)/);
  assert.equal(requests, 1);
});
