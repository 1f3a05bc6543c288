/** teach through the CLI against an endpoint whose every answer is unusable: exit 4, papers pending, --retries. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli';
import { fixturePaper, paperIds, supervisionBench } from '../helpers/supervision';

test('a teach run in which every call failed exits 4; --retries bounds the asking again', async (t) => {
  const ids = paperIds(3);
  const { server, dbPath, db } = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
    () => ({ kind: 'error', status: 200, rawBody: '{"id": "x", "object": "chat.completion"}' }),
  );
  db.close();
  const teach = (retries: string) =>
    runCli([
      'teach',
      '--db',
      dbPath,
      '--base-url',
      server.baseUrl,
      '--api-key',
      'sk-test',
      '--no-judge',
      '--concurrency',
      '1',
      '--retries',
      retries,
      '--json',
    ]);
  const once = await teach('0');
  assert.equal(once.code, 4, once.stderr);
  assert.equal(once.json?.['kind'], 'remote');
  assert.match(String(once.json?.['error']), /All 3 calls to .* failed; the last: .*without "choices"/);
  assert.match(String(once.json?.['hint']), /the papers stay pending/);
  assert.equal(server.chatCalls.length, 3);
  const twice = await teach('1');
  assert.equal(twice.code, 4, twice.stderr);
  assert.equal(server.chatCalls.length, 3 + 6);
  const check = new Database(dbPath, { readonly: true });
  const states = check.prepare('SELECT count(*) AS n FROM supervision').get() as { n: number };
  check.close();
  assert.equal(states.n, 0);
});
