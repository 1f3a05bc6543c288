// The editor's explainer remembers why work failed, so a hover shows the failure instead of asking a broken
// endpoint again on every hover; a cancelled job or a crashed engine is not remembered; a retry that succeeds, or
// new settings, forget it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExplainResult } from '../../src/engine/protocol';
import { type EngineClient, EngineError } from '../../src/extension/engineClient';
import { Explainer } from '../../src/extension/explainer';
import type { SourceChoice } from '../../src/extension/sources';

const teacher: SourceChoice = {
  kind: 'teacher',
  source: {
    kind: 'teacher',
    baseUrl: 'http://127.0.0.1:9/v1',
    model: 'm',
    judge: null,
    databasePath: '/w/.miniastrolm/astro.db',
    regenerate: false,
  },
};

function explainerAnswering(answers: (() => ExplainResult)[]) {
  let calls = 0;
  const client = {
    request: async () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls++;
      return answer();
    },
    onProgress: () => () => {},
  } as unknown as EngineClient;
  const explainer = new Explainer({ client, choose: () => teacher, studentEpoch: () => 0 });
  return { explainer, calls: () => calls };
}

const ok = { explanation: 'Dust drifts inward.' } as ExplainResult;
const paper = { id: null, title: null, authors: [] };

test('a failed explanation is remembered for its abstract and shown, until a retry succeeds', async () => {
  const { explainer, calls } = explainerAnswering([
    () => {
      throw new EngineError('The teacher refused the API key (401).', 'auth', 'Run "Set API key".');
    },
    () => ok,
  ]);
  await assert.rejects(explainer.explain({ abstract: 'A', paper, priority: 'background' }), /401/);
  const failed = explainer.lookup('A');
  assert.deepEqual(failed.failure, {
    message: 'The teacher refused the API key (401).',
    hint: 'Run "Set API key".',
  });
  assert.equal(failed.pending, false);
  assert.equal(explainer.lookup('B').failure, undefined, 'another abstract is not affected');
  // The retry (the hover's "Try again" opens the panel, which asks again) succeeds: the failure is gone.
  assert.equal(await explainer.explain({ abstract: 'A', paper, priority: 'foreground' }), ok);
  assert.equal(explainer.lookup('A').failure, undefined);
  assert.equal(explainer.lookup('A').result, ok);
  assert.equal(calls(), 2);
});

test('a crashed engine or a cancelled job is not remembered; new settings forget every failure', async () => {
  const { explainer } = explainerAnswering([
    () => {
      throw new EngineError('The engine stopped while working on this request.', 'crashed', '');
    },
    () => {
      throw new EngineError('cancelled', 'cancelled', '');
    },
    () => {
      throw new EngineError('The teacher endpoint did not answer: ECONNREFUSED', 'remote', 'Start it.');
    },
  ]);
  await assert.rejects(explainer.explain({ abstract: 'A', paper, priority: 'background' }));
  assert.equal(explainer.lookup('A').failure, undefined);
  await assert.rejects(explainer.explain({ abstract: 'A', paper, priority: 'background' }));
  assert.equal(explainer.lookup('A').failure, undefined);
  await assert.rejects(explainer.explain({ abstract: 'A', paper, priority: 'background' }));
  assert.match(explainer.lookup('A').failure?.message ?? '', /ECONNREFUSED/);
  explainer.clearFailures();
  assert.equal(explainer.lookup('A').failure, undefined);
});
