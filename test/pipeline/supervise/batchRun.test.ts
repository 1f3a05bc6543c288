import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BatchRunDeps,
  collectBatches,
  submitJudgeBatch,
  submitTeacherBatch,
} from '../../../src/pipeline/supervise/batchRun';
import { createLlmClient, endpointFromEnv } from '../../../src/pipeline/supervise/llm/openaiClient';
import {
  fixturePaper,
  goodAnswer,
  paperIdOf,
  paperIds,
  roleOf,
  supervisionBench,
  verdict,
} from '../../helpers/supervision';

/** Polls until every submitted batch is collected (the loopback server moves a batch one state per poll). */
async function collectAll(deps: () => BatchRunDeps) {
  const totals = { answers: 0, failed: 0, validated: 0, accepted: 0, rejected: 0, retry: 0 };
  for (let round = 0; round < 20; round++) {
    // A fresh client each round: nothing survives in memory between submit and collect.
    const r = await collectBatches(deps());
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += r[key];
    if (r.batches.every((b) => b.collected)) return totals;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('batches never finished');
}

test('Batch API: submit, restart, collect; retries resubmitted with their errors; judge batch accepts', async (t) => {
  const ids = paperIds(6);
  const [alwaysBad, badOnce, errorLine] = [ids[0]!, ids[1]!, ids[2]!];
  const teacherAsked: Record<string, number> = {};
  const {
    server,
    db,
    deps: live,
  } = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
    (call) => {
      const id = paperIdOf(call);
      if (roleOf(call) === 'judge') return verdict(id);
      teacherAsked[id] = (teacherAsked[id] ?? 0) + 1;
      if (id === alwaysBad)
        return JSON.stringify({ id, target_explanation: 'In this paper we present rings.' });
      if (id === badOnce && teacherAsked[id] === 1) return 'not json at all';
      if (id === errorLine && teacherAsked[id] === 1)
        return { kind: 'error', status: 500, message: 'server overloaded' };
      return goodAnswer(id);
    },
  );
  server.batchOrder = 'reversed';
  const deps = (): BatchRunDeps => ({
    db,
    client: createLlmClient(
      endpointFromEnv(
        { baseUrl: server.baseUrl, apiKey: 'sk-test', model: 'batch-model', maxRetries: 0 },
        {},
      ),
    ),
    prompts: live.prompts,
    config: live.config,
    clock: live.clock,
    limits: { maxRequests: 4, maxBytes: 10 * 1024 * 1024 },
  });

  const first = await submitTeacherBatch(ids, deps());
  assert.deepEqual([first.requests, first.batchIds.length], [6, 2]);
  // Papers in a pending batch are not submitted twice.
  assert.equal((await submitTeacherBatch(ids, deps())).requests, 0);
  const round1 = await collectAll(deps);
  assert.deepEqual([round1.validated, round1.retry, round1.failed], [3, 2, 1]);

  const second = await submitTeacherBatch(ids, deps());
  assert.equal(second.requests, 3); // the two retries and the failed line
  await collectAll(deps);
  // The regeneration request quotes the first answer's errors back to the teacher.
  const regenerate = server.chatCalls.filter((c) => c.via === 'batch' && paperIdOf(c) === badOnce).at(-1)!;
  assert.equal(regenerate.customId, `teacher|${badOnce}|2`);
  assert.match(regenerate.messages.find((m) => m.role === 'user')!.content, /not a JSON object/);
  await submitTeacherBatch(ids, deps());
  await collectAll(deps);

  const store = live.db
    .prepare('SELECT paper_id, status, attempts FROM supervision ORDER BY paper_id')
    .all() as { paper_id: string; status: string; attempts: number }[];
  assert.deepEqual(
    store.map((r) => [r.paper_id, r.status]),
    ids.map((id) => [id, id === alwaysBad ? 'rejected' : 'validated']),
  );
  assert.equal(store.find((r) => r.paper_id === alwaysBad)!.attempts, 3);

  const judged = await submitJudgeBatch(ids, deps());
  assert.equal(judged.requests, 5);
  const verdicts = await collectAll(deps);
  assert.equal(verdicts.accepted, 5);
  const cost = db
    .prepare("SELECT count(*) AS n FROM llm_calls WHERE batch_id IS NOT NULL AND outcome = 'ok'")
    .get() as { n: number };
  assert.equal(cost.n, 10);
  assert.ok(server.chatCalls.every((c) => c.via === 'batch'));
});
