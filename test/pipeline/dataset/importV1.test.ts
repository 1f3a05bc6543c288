import assert from 'node:assert/strict';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { systemClock } from '../../../src/core/clock';
import { importSeedV1 } from '../../../src/pipeline/dataset/importV1';
import { openDatabase } from '../../../src/pipeline/store/database';
import { defaultValidatorConfig } from '../../../src/pipeline/validate/types';
import { needRealdata } from '../../helpers/realdata';
import { tempDir } from '../../helpers/tmp';

function setup(t: TestContext) {
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  return { db, deps: { db, clock: systemClock, validators: defaultValidatorConfig } };
}

const count = (db: import('better-sqlite3').Database, sql: string) =>
  (db.prepare(sql).get() as { n: number }).n;

test("the seed's 1000 accepted rows, re-validated under our rules", (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_train.jsonl');
  if (!file) return;
  const { db, deps } = setup(t);
  const report = importSeedV1(file, deps);
  t.diagnostic(`accepted file: ${report.accepted}/${report.rows} pass; ${JSON.stringify(report.pass_rates)}`);
  t.diagnostic(`top failures: ${JSON.stringify(report.top_failures.slice(0, 5))}`);
  assert.equal(report.rows, 1000);
  assert.equal(report.kind, 'teacher');
  assert.deepEqual(Object.keys(report.pass_rates).sort(), [
    'answer',
    'banned_phrases',
    'copy_overlap',
    'format',
    'id_match',
    'new_numbers',
    'paragraphs',
    'word_range',
  ]);
  assert.equal(report.pass_rates['answer'], 1);
  assert.equal(report.pass_rates['id_match'], 1);
  // The seed accepted 121–222-word explanations; ours asks for 180–220, so most fail on length alone.
  assert.ok(report.pass_rates['word_range']! < 0.6);
  assert.ok(report.pass_rates['banned_phrases']! > 0.9);
  assert.equal(
    count(db, "SELECT count(*) AS n FROM supervision WHERE status = 'validated'"),
    report.accepted,
  );
  assert.equal(
    count(db, "SELECT count(*) AS n FROM supervision WHERE status = 'rejected' AND reason IS NOT NULL"),
    1000 - report.accepted,
  );
  assert.equal(count(db, 'SELECT count(*) AS n FROM papers'), 1000);
  assert.ok(report.top_failures[0]!.count >= report.top_failures.at(-1)!.count);

  // Importing again adds no call and changes no state.
  importSeedV1(file, deps);
  assert.equal(count(db, 'SELECT count(*) AS n FROM llm_calls'), 1000);
});

test("the seed's rejected rows: its raw last answers are read and mostly fail our rules too", (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_rejected.jsonl');
  if (!file) return;
  const { deps } = setup(t);
  const report = importSeedV1(file, deps);
  t.diagnostic(`rejected file: ${report.accepted}/${report.rows} pass; ${JSON.stringify(report.pass_rates)}`);
  assert.equal(report.rows, 655);
  assert.ok(report.accepted / report.rows < 0.1, `${report.accepted} of the seed's rejected rows pass ours`);
  assert.ok(report.pass_rates['answer']! > 0.95, 'nearly every raw answer yields an explanation');
});

test("the seed's 50 eval abstracts are frozen out of training", (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_eval_abstracts.jsonl');
  if (!file) return;
  const { db, deps } = setup(t);
  const report = importSeedV1(file, deps);
  assert.deepEqual([report.kind, report.rows, report.frozen_eval], ['eval', 50, 50]);
  assert.equal(count(db, 'SELECT count(*) AS n FROM eval_ids'), 50);
});

test('a file that is not seed data is a clear error', (t) => {
  const { deps } = setup(t);
  const dir = tempDir(t);
  const file = path.join(dir, 'notes.jsonl');
  require('node:fs').writeFileSync(file, '{"hello": "world"}\nnot json\n');
  assert.throws(() => importSeedV1(file, deps), /No seed v1 rows in .*notes\.jsonl/);
});
