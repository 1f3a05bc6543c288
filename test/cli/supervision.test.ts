import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../helpers/cli';
import { needRealdata } from '../helpers/realdata';
import { fixturePaper, paperIds, roleOf, supervisionBench } from '../helpers/supervision';

test('teach killed with SIGKILL mid-run resumes: nothing lost, no paper taught twice', async (t) => {
  const ids = paperIds(12);
  const { server, dbPath, db } = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
  );
  db.close();
  server.latencyMs = 80;
  const args = [
    'teach',
    '--db',
    dbPath,
    '--base-url',
    server.baseUrl,
    '--api-key',
    'sk-test',
    '--concurrency',
    '2',
    '--json',
  ];
  const { child, done } = startCli(args);
  const seenBeforeKill = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      if (server.chatCalls.length >= 9) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve(server.chatCalls.length);
      }
    }, 5);
    // A child that dies on its own would otherwise leave this test waiting forever.
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`teach exited with ${code} before it could be killed`));
    });
  });
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(seenBeforeKill < 24);

  const resumed = await runCli(args);
  assert.equal(resumed.code, 0, resumed.stderr);
  const check = new Database(dbPath, { readonly: true });
  const states = check.prepare('SELECT status, count(*) AS n FROM supervision GROUP BY status').all();
  const teacherOkPerPaper = check
    .prepare(
      "SELECT paper_id, count(*) AS n FROM llm_calls WHERE role = 'teacher' AND outcome = 'ok' GROUP BY paper_id",
    )
    .all() as { paper_id: string; n: number }[];
  check.close();
  assert.deepEqual(states, [{ status: 'accepted', n: 12 }]);
  assert.equal(teacherOkPerPaper.length, 12);
  assert.ok(
    teacherOkPerPaper.every((r) => r.n === 1),
    JSON.stringify(teacherOkPerPaper),
  );
  // Teacher requests over both runs: one per paper, plus at most the two in flight when the kill landed.
  const teacherRequests = server.chatCalls.filter((c) => roleOf(c) === 'teacher').length;
  assert.ok(teacherRequests <= 14, `${teacherRequests} teacher requests`);
});

test('teach --dry-run makes no call; a missing key for OpenAI itself is a usage error', async (t) => {
  const { server, dbPath, db } = await supervisionBench(
    t,
    paperIds(3).map((id) => fixturePaper(id)),
  );
  db.close();
  const dry = await runCli(['teach', '--db', dbPath, '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.json?.['papers'], 3);
  assert.equal(server.chatCalls.length, 0);
  const noKey = await runCli(['teach', '--db', dbPath, '--json'], {
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
  });
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /OPENAI_API_KEY is not set/);
});

test('import-v1, judge, export and stats through the CLI on the seed data', async (t) => {
  const train = needRealdata(t, 'miniastrogpt', 'teacher_v1_train.jsonl');
  const evalFile = needRealdata(t, 'miniastrogpt', 'teacher_v1_eval_abstracts.jsonl');
  if (!train || !evalFile) return;
  const { server, dbPath, db, dir } = await supervisionBench(t, []);
  db.close();
  const imported = await runCli(['import-v1', train, '--db', dbPath, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const report = imported.json as {
    rows: number;
    accepted: number;
    pass_rates: Record<string, number>;
    top_failures: unknown[];
  };
  assert.equal(report.rows, 1000);
  for (const rule of ['word_range', 'paragraphs', 'banned_phrases', 'copy_overlap', 'new_numbers']) {
    assert.equal(typeof report.pass_rates[rule], 'number', rule);
  }
  assert.ok(report.top_failures.length > 0);
  const frozen = await runCli(['import-v1', evalFile, '--db', dbPath, '--json']);
  assert.equal(frozen.json?.['frozen_eval'], 50);

  const judged = await runCli([
    'judge',
    '--db',
    dbPath,
    '--base-url',
    server.baseUrl,
    '--api-key',
    'sk-test',
    '--limit',
    '20',
    '--json',
  ]);
  assert.equal(judged.code, 0, judged.stderr);
  assert.equal(judged.json?.['accepted'], 20);

  const out = path.join(dir, 'curated.jsonl');
  const exported = await runCli(['export', '--out', out, '--db', dbPath, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.json?.['exported'], 20);
  const rows = readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { accepted: boolean });
  assert.ok(rows.every((r) => r.accepted === true));

  const stats = await runCli(['stats', '--db', dbPath, '--json']);
  assert.equal(stats.code, 0, stats.stderr);
  assert.equal((stats.json!['states'] as Record<string, number>)['accepted'], 20);
  assert.equal(stats.json?.['evalIds'], 50 + (exported.json?.['newlyFrozen'] as number));
});

test('teach --batch-api submits and exits; teach --collect (a new process) finishes the work', async (t) => {
  const ids = paperIds(4);
  const { server, dbPath, db } = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
  );
  db.close();
  const common = ['--db', dbPath, '--base-url', server.baseUrl, '--api-key', 'sk-test', '--json'];
  const submitted = await runCli(['teach', '--batch-api', ...common]);
  assert.equal(submitted.code, 0, submitted.stderr);
  assert.equal(submitted.json?.['requests'], 4);
  let collected = 0;
  for (let round = 0; round < 10 && collected < 4; round++) {
    const run = await runCli(['teach', '--collect', ...common]);
    assert.equal(run.code, 0, run.stderr);
    collected += run.json?.['validated'] as number;
  }
  assert.equal(collected, 4);
  const judge = await runCli(['judge', '--batch-api', ...common]);
  assert.equal(judge.json?.['requests'], 4);
  const check = new Database(dbPath, { readonly: true });
  const batches = check
    .prepare('SELECT role, count(*) AS n FROM llm_batches GROUP BY role ORDER BY role')
    .all();
  check.close();
  assert.deepEqual(batches, [
    { role: 'judge', n: 1 },
    { role: 'teacher', n: 1 },
  ]);
});
