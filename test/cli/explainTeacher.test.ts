// `explain --with teacher`: the teacher through the validators (and the judge with --judge), the answer stored
// as supervision, printed like the student's; a stored answer comes back without a call; a dead endpoint is exit 4.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/pipeline/store/database';
import { SupervisionStore } from '../../src/pipeline/store/supervision';
import { runCli } from '../helpers/cli';
import { errorReply, startOpenAiServer } from '../helpers/openaiServer';
import { fixtureAbstract, fixtureExplanation, happyHandler, roleOf } from '../helpers/supervision';
import { tempDir } from '../helpers/tmp';

test('explain --with teacher: validated, judged, stored; asked again, answered from the database', async (t) => {
  const server = await startOpenAiServer(happyHandler);
  t.after(() => server.close());
  const db = path.join(tempDir(t), 'astro.db');
  const args = [
    'explain',
    '--with',
    'teacher',
    '--base-url',
    server.baseUrl,
    '--model',
    'teacher-model',
    '--judge',
    '--id',
    '2501.90001',
    '--abstract',
    fixtureAbstract,
    '--db',
    db,
    '--json',
  ];
  const env = { OPENAI_API_KEY: 'sk-test' };
  const first = await runCli(args, env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.json?.['explanation'], fixtureExplanation);
  assert.equal(first.json?.['status'], 'accepted');
  assert.equal(first.json?.['source'], 'teacher');
  assert.equal(first.json?.['fromStore'], false);
  assert.deepEqual(first.json?.['newNumbers'], []);
  assert.equal((first.json?.['model'] as { name?: string } | undefined)?.name, 'teacher-model');
  assert.deepEqual(server.chatCalls.map(roleOf), ['teacher', 'judge']);
  const store = openDatabase(db);
  try {
    assert.equal(new SupervisionStore(store).state('2501.90001')?.status, 'accepted');
  } finally {
    store.close();
  }
  const again = await runCli(args, env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.json?.['fromStore'], true);
  assert.equal(server.chatCalls.length, 2, 'no new call');
});

test('explain --with teacher against an endpoint that does not answer: exit 4, nothing stored as rejected', async (t) => {
  const server = await startOpenAiServer(() => errorReply(503, 'overloaded'));
  t.after(() => server.close());
  const db = path.join(tempDir(t), 'astro.db');
  const run = await runCli(
    [
      'explain',
      '--with',
      'teacher',
      '--base-url',
      server.baseUrl,
      '--abstract',
      fixtureAbstract,
      '--db',
      db,
      '--retries',
      '0',
    ],
    { OPENAI_API_KEY: 'sk-test' },
  );
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /did not answer/);
  const store = openDatabase(db);
  try {
    const row = store.prepare('SELECT count(*) AS n FROM supervision').get() as { n: number };
    assert.equal(row.n, 0);
  } finally {
    store.close();
  }
});
