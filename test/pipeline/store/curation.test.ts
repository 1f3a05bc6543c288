// The curation view over a real database written by the real supervision loop: effective states (a person's
// decision wins), filters and search, one paper's detail, statistics, and clearing a decision.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurationStore } from '../../../src/pipeline/store/curation';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { superviseWithTeacher } from '../../../src/pipeline/supervise/supervise';
import { defaultValidatorConfig } from '../../../src/pipeline/validate/types';
import {
  fixtureExplanation,
  fixturePaper,
  happyHandler,
  paperIdOf,
  roleOf,
  supervisionBench,
} from '../../helpers/supervision';

const ids = ['2501.90001', '2501.90002', '2501.90003', '2501.90004', '2501.90005'];

async function bench(t: Parameters<typeof supervisionBench>[0]) {
  // 90002's answers are too short (rejected after its attempts); the others pass; 90005 is never supervised.
  const short = (id: string) => JSON.stringify({ id, target_explanation: 'Dust. Rings. Planets.' });
  const b = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
    (call) =>
      roleOf(call) === 'teacher' && paperIdOf(call) === '2501.90002'
        ? short('2501.90002')
        : happyHandler(call),
  );
  await superviseWithTeacher(ids.slice(0, 4), b.deps);
  b.store.decide({
    paperId: '2501.90003',
    decision: 'reject',
    explanation: null,
    note: 'off topic',
    decidedAt: '2026-12-01',
  });
  const edited = fixtureExplanation.replace('Young stars', 'Newly formed stars');
  b.store.decide({
    paperId: '2501.90004',
    decision: 'accept',
    explanation: edited,
    note: null,
    decidedAt: '2026-12-02',
  });
  b.db
    .prepare("INSERT INTO eval_ids (paper_id, source, frozen_at) VALUES ('2501.90001', 'split', 'now')")
    .run();
  return { ...b, curation: new CurationStore(b.db), edited };
}

test('effective states: a person wins; counts per filter; search over id, title and text', async (t) => {
  const { curation } = await bench(t);
  const all = curation.list('all');
  const state = Object.fromEntries(all.rows.map((r) => [r.paperId, r.state]));
  assert.deepEqual(state, {
    '2501.90001': 'accepted',
    '2501.90002': 'rejected',
    '2501.90003': 'rejected',
    '2501.90004': 'human-edited',
    '2501.90005': 'pending',
  });
  assert.deepEqual(all.counts, {
    all: 5,
    eval: 1,
    pending: 1,
    validated: 0,
    accepted: 1,
    rejected: 2,
    'human-edited': 1,
  });
  assert.deepEqual(
    curation
      .list('rejected')
      .rows.map((r) => r.paperId)
      .sort(),
    ['2501.90002', '2501.90003'],
  );
  assert.deepEqual(
    curation.list('eval').rows.map((r) => r.paperId),
    ['2501.90001'],
  );
  assert.equal(all.rows.find((r) => r.paperId === '2501.90003')?.human, true);
  assert.equal(curation.list('all', { search: 'Newly formed' }).total, 1);
  assert.equal(curation.list('all', { search: '90005' }).rows[0]?.paperId, '2501.90005');
  assert.equal(curation.list('all', { search: '100%_' }).total, 0, 'LIKE wildcards are literal');
  assert.equal(curation.list('all', { limit: 2 }).rows.length, 2);
  assert.equal(curation.list('all', { limit: 2 }).total, 5);
});

test('the detail of a paper: the exported explanation, the pipeline one under an edit, the calls and errors', async (t) => {
  const { curation, edited } = await bench(t);
  const human = curation.detail('2501.90004')!;
  assert.equal(human.explanation, edited);
  assert.equal(human.pipelineExplanation, fixtureExplanation);
  assert.deepEqual(
    human.calls.map((c) => c.role),
    ['teacher', 'judge'],
  );
  const rejected = curation.detail('2501.90002')!;
  assert.equal(rejected.row.state, 'rejected');
  assert.ok(rejected.calls.length >= 2, 'every attempt is listed');
  assert.ok(
    rejected.calls[0]!.errors.some((e) => /word/i.test(e)),
    rejected.calls[0]!.errors.join('; '),
  );
  assert.match(rejected.reason ?? '', /validation/);
  const accepted = curation.detail('2501.90001')!;
  assert.equal((accepted.judge as { scores: { faithfulness: number } }).scores.faithfulness, 5);
  assert.equal(curation.detail('no-such-id'), undefined);
});

test('statistics: word counts of exportable explanations, pass rate per validator', async (t) => {
  const { curation } = await bench(t);
  const stats = curation.stats(defaultValidatorConfig);
  assert.deepEqual(stats.band, { min: 180, max: 220 });
  assert.equal(stats.words.length, 2, 'the accepted and the edited explanation');
  for (const w of stats.words) assert.ok(w >= 180 && w <= 220, String(w));
  const wordRange = stats.validators.find((v) => v.rule === 'word_range')!;
  const idMatch = stats.validators.find((v) => v.rule === 'id_match')!;
  assert.ok(wordRange.checked >= 5);
  assert.equal(wordRange.passed, 3, 'the three good answers pass it; every short one fails it');
  assert.equal(idMatch.passed, idMatch.checked);
});

test('clearing a decision gives the pipeline state back', async (t) => {
  const { curation, db } = await bench(t);
  assert.equal(curation.clearDecision('2501.90003'), true);
  assert.equal(curation.list('all', { search: '90003' }).rows[0]?.state, 'accepted');
  assert.equal(curation.clearDecision('2501.90003'), false);
  assert.equal(new PaperStore(db).count(), 5);
});
