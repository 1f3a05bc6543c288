// A teacher explanation asked for from the editor: it goes through the supervision loop, is stored as
// supervision for the paper, is answered from the database the next time, and an endpoint fault stores nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { PaperStore } from '../../../src/pipeline/store/papers';
import {
  explainPaperWithTeacher,
  localPaperId,
  paperFromDocument,
} from '../../../src/pipeline/supervise/explainPaper';
import { errorReply } from '../../helpers/openaiServer';
import {
  fixtureAbstract,
  fixtureExplanation,
  fixturePaper,
  happyHandler,
  paperIdOf,
  roleOf,
  supervisionBench,
} from '../../helpers/supervision';

test('first ask: teacher and judge, stored as accepted; second ask: from the database, no call', async (t) => {
  const { server, deps, store } = await supervisionBench(t, []);
  const paper = fixturePaper('2501.90001');
  const first = await explainPaperWithTeacher(paper, deps, { regenerate: false });
  assert.equal(first.status, 'accepted');
  assert.equal(first.explanation, fixtureExplanation);
  assert.equal(first.fromStore, false);
  assert.equal(first.model, 'teacher-model');
  assert.deepEqual(server.chatCalls.map(roleOf), ['teacher', 'judge']);
  assert.equal(store.state('2501.90001')?.status, 'accepted');

  const again = await explainPaperWithTeacher(paper, deps, { regenerate: false });
  assert.equal(again.fromStore, true);
  assert.equal(again.explanation, fixtureExplanation);
  assert.equal(server.chatCalls.length, 2, 'no new call');

  const regenerated = await explainPaperWithTeacher(paper, deps, { regenerate: true });
  assert.equal(regenerated.fromStore, false);
  assert.equal(server.chatCalls.length, 4);
});

test('an abstract without an id (a .tex draft) gets a stable local id, and the paper is stored', async (t) => {
  const { server, deps, db } = await supervisionBench(t, []);
  const paper = paperFromDocument({ id: null, title: 'My draft', authors: [], abstract: fixtureAbstract });
  assert.equal(paper.id, localPaperId(`  ${fixtureAbstract}\n`));
  assert.match(paper.id, /^local:[0-9a-f]{12}$/);
  const answer = await explainPaperWithTeacher(paper, { ...deps, judge: null }, { regenerate: false });
  assert.equal(answer.status, 'validated');
  assert.equal(paperIdOf(server.chatCalls[0]!), paper.id);
  const stored = new PaperStore(db).get(paper.id);
  assert.equal(stored?.title, 'My draft');
  assert.equal(stored?.source, 'editor');
});

test('answers that fail the validators: the reasons come back, explanation null, state rejected', async (t) => {
  const bad = JSON.stringify({ id: '2501.90002', target_explanation: 'We present a short text. Too short.' });
  const { deps } = await supervisionBench(t, [], (call) =>
    roleOf(call) === 'teacher' ? bad : happyHandler(call),
  );
  const answer = await explainPaperWithTeacher(fixturePaper('2501.90002'), deps, { regenerate: false });
  assert.equal(answer.status, 'rejected');
  assert.equal(answer.explanation, null);
  assert.ok(
    answer.errors.some((e) => /word/i.test(e)),
    answer.errors.join('\n'),
  );
});

test('an endpoint that does not answer: a remote error, and the paper is not marked rejected', async (t) => {
  const { deps, store } = await supervisionBench(t, [], () => errorReply(503, 'overloaded'));
  await assert.rejects(
    explainPaperWithTeacher(fixturePaper('2501.90003'), deps, { regenerate: false }),
    (error: unknown) =>
      error instanceof MiniAstroError && error.kind === 'remote' && /did not answer/.test(error.message),
  );
  assert.equal(store.state('2501.90003'), undefined);
});

test("a person's decision wins over the teacher, even when regenerating", async (t) => {
  const { server, deps, store } = await supervisionBench(t, []);
  const paper = fixturePaper('2501.90004');
  await explainPaperWithTeacher(paper, deps, { regenerate: false });
  store.decide({
    paperId: paper.id,
    decision: 'accept',
    explanation: 'Edited by hand.',
    note: 'curated',
    decidedAt: 'now',
  });
  const calls = server.chatCalls.length;
  const answer = await explainPaperWithTeacher(paper, deps, { regenerate: true });
  assert.equal(answer.status, 'human');
  assert.equal(answer.explanation, 'Edited by hand.');
  assert.equal(server.chatCalls.length, calls);
});
