import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { createLlmClient, endpointFromEnv } from '../../../src/pipeline/supervise/llm/openaiClient';
import { superviseWithJudge, superviseWithTeacher } from '../../../src/pipeline/supervise/supervise';
import { needRealdata } from '../../helpers/realdata';
import {
  fixtureAbstract,
  fixturePaper,
  goodAnswer,
  paperIdOf,
  paperIds,
  roleOf,
  supervisionBench,
  verdict,
} from '../../helpers/supervision';

test('good answers are validated, judged and accepted; every call is stored with its prompt hash and tokens', async (t) => {
  const ids = paperIds(5);
  const { server, deps, store } = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
  );
  const summary = await superviseWithTeacher(ids, deps);
  assert.deepEqual(
    [summary.papers, summary.accepted, summary.rejected, summary.deferred, summary.calls],
    [5, 5, 0, 0, 10],
  );
  for (const id of ids) {
    const state = store.state(id)!;
    assert.equal(state.status, 'accepted');
    assert.equal(state.attempts, 1);
    assert.deepEqual((state.judgeFeedback as { scores: { overall: number } }).scores.overall, 85);
    const calls = store.calls(id);
    assert.deepEqual(
      calls.map((c) => [c.role, c.outcome]),
      [
        ['teacher', 'ok'],
        ['judge', 'ok'],
      ],
    );
    assert.equal(calls[0]!.promptHash, deps.prompts.teacher.hash);
    assert.equal(calls[0]!.model, 'teacher-model');
    assert.ok(calls[0]!.inputTokens > 0);
  }
  // The teacher was asked for structured output against our schema.
  const teacherCall = server.chatCalls.find((c) => roleOf(c) === 'teacher')!;
  assert.equal(teacherCall.responseFormat?.type, 'json_schema');
  // A rerun does nothing twice.
  const again = await superviseWithTeacher(ids, deps);
  assert.deepEqual([again.skipped, again.calls], [5, 0]);
});

test('bad answers are regenerated with their errors; the regeneration prompt names them', async (t) => {
  const scripts: Record<string, string[]> = {
    '2501.90001': [
      'Sure! Here is the explanation: {"id": "2501.90001", "target_explanation": "too short"',
      goodAnswer('2501.90001'),
    ],
    '2501.90002': ['```json\n' + goodAnswer('2501.90002') + '\n```'],
    '2501.90003': [goodAnswer('2501.99999'), goodAnswer('2501.90003')],
    '2501.90004': [
      JSON.stringify({
        id: '2501.90004',
        target_explanation: 'We present a study of dust. In this paper we show rings.',
      }),
    ],
    // The abstract handed back as the explanation: copied, and far too short.
    '2501.90005': [JSON.stringify({ id: '2501.90005', target_explanation: fixtureAbstract })],
  };
  const seen: Record<string, string[]> = {};
  const { deps, store } = await supervisionBench(
    t,
    Object.keys(scripts).map((id) => fixturePaper(id)),
    (call) => {
      const id = paperIdOf(call);
      if (roleOf(call) === 'judge') return verdict(id);
      const user = call.messages.find((m) => m.role === 'user')!.content;
      seen[id] = [...(seen[id] ?? []), user];
      const script = scripts[id]!;
      return script[Math.min(seen[id]!.length - 1, script.length - 1)]!;
    },
  );
  const summary = await superviseWithTeacher(Object.keys(scripts), deps);
  assert.deepEqual([summary.accepted, summary.rejected], [3, 2]);
  const copied = store.state('2501.90005')!;
  assert.equal(copied.status, 'rejected');
  assert.match(copied.reason!, /shared with the abstract|copied|overlap/i);

  assert.equal(store.state('2501.90001')!.attempts, 2);
  assert.match(seen['2501.90001']![1]!, /previous explanation of this arXiv abstract broke these rules/);
  assert.match(seen['2501.90001']![1]!, /not a JSON object/);

  assert.deepEqual(store.calls('2501.90002', 'teacher')[0]!.repairs, ['code-fence']);
  assert.equal(store.state('2501.90002')!.attempts, 1);

  assert.match(seen['2501.90003']![1]!, /2501\.99999/);
  assert.equal(store.state('2501.90003')!.status, 'accepted');

  const rejected = store.state('2501.90004')!;
  assert.equal(rejected.status, 'rejected');
  assert.equal(rejected.attempts, 3);
  assert.match(rejected.reason!, /failed validation after 3 attempts/);
  assert.match(rejected.reason!, /we present/i);
  assert.equal(store.calls('2501.90004', 'teacher').length, 3);
});

test("real bad answers from the seed's rejected file are rejected with their reasons", async (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_rejected.jsonl');
  if (!file) return;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 12)
    .map((l) => JSON.parse(l) as { id: string; input: string; output: { last_response: string } });
  const byId = new Map(rows.map((r, i) => [paperIds(12)[i]!, r]));
  const { deps, store } = await supervisionBench(
    t,
    [...byId.entries()].map(([id, r]) => fixturePaper(id, r.input)),
    (call) => {
      const row = byId.get(paperIdOf(call))!;
      // The seed's answers carry its own abs-URL id; rewrite it to ours so only the content is judged.
      return row.output.last_response.replace(/"id":\s*"[^"]*"/, `"id": "${paperIdOf(call)}"`);
    },
  );
  const summary = await superviseWithTeacher([...byId.keys()], deps);
  assert.ok(summary.rejected >= 11, JSON.stringify(summary));
  for (const id of byId.keys()) {
    const state = store.state(id)!;
    if (state.status === 'rejected') assert.ok(state.reason && state.reason.length > 20);
  }
});

test('refusals, other languages, empty and huge abstracts are recorded with a reason and the run goes on', async (t) => {
  const french = JSON.stringify({
    id: '2501.90002',
    target_explanation:
      'Les jeunes étoiles sont entourées de disques de gaz et de poussière, dont naissent les planètes. '.repeat(
        8,
      ),
  });
  const papers = [
    fixturePaper('2501.90001'),
    fixturePaper('2501.90002'),
    fixturePaper('2501.90003', '   '),
    fixturePaper('2501.90004', 'x'.repeat(7000)),
    fixturePaper('2501.90005'),
  ];
  const { deps, store, server } = await supervisionBench(t, papers, (call) => {
    const id = paperIdOf(call);
    if (roleOf(call) === 'judge') return verdict(id);
    if (id === '2501.90001') return "I'm sorry, but I can't help with that request.";
    if (id === '2501.90002') return french;
    return goodAnswer(id);
  });
  const summary = await superviseWithTeacher(
    papers.map((p) => p.id),
    deps,
  );
  assert.deepEqual([summary.rejected, summary.accepted], [4, 1]);
  assert.match(store.calls('2501.90001')[0]!.errors[0]!.message, /refusal/);
  assert.match(store.state('2501.90002')!.reason!, /not written in English/);
  assert.match(store.state('2501.90003')!.reason!, /empty abstract/);
  assert.match(store.state('2501.90004')!.reason!, /7000 characters exceeds 6000/);
  assert.ok(!server.chatCalls.some((c) => ['2501.90003', '2501.90004'].includes(paperIdOf(c))));
});

test('429 and 500 are retried by the client; a hung endpoint defers the paper without marking it done', async (t) => {
  let n = 0;
  const { deps, store } = await supervisionBench(
    t,
    paperIds(3).map((id) => fixturePaper(id)),
    (call) => {
      const id = paperIdOf(call);
      n++;
      if (n === 1) return { kind: 'error', status: 429, message: 'Rate limit reached', retryAfter: '0' };
      if (n === 2) return { kind: 'error', status: 500, message: 'boom' };
      if (id === '2501.90003' && roleOf(call) === 'teacher') return { kind: 'hang' };
      return roleOf(call) === 'judge' ? verdict(id) : goodAnswer(id);
    },
  );
  deps.config = { ...deps.config, concurrency: 1 };
  deps.teacher = createLlmClient(
    endpointFromEnv(
      {
        baseUrl: deps.teacher.endpoint.baseUrl,
        apiKey: 'sk-test',
        model: 't',
        maxRetries: 2,
        timeoutMs: 300,
      },
      {},
    ),
  );
  const summary = await superviseWithTeacher(paperIds(3), deps);
  assert.deepEqual([summary.accepted, summary.deferred], [2, 1]);
  assert.equal(store.state('2501.90003'), undefined);
  assert.deepEqual(
    store.calls('2501.90003').map((c) => c.outcome),
    ['failed'],
  );
});

test('a wrong API key stops the run after one request and marks nothing done', async (t) => {
  const { deps, server, store } = await supervisionBench(
    t,
    paperIds(6).map((id) => fixturePaper(id)),
  );
  server.apiKey = 'sk-right';
  await assert.rejects(
    superviseWithTeacher(paperIds(6), { ...deps, config: { ...deps.config, concurrency: 1 } }),
    (e: unknown) => {
      assert.ok(e instanceof MiniAstroError);
      assert.match(e.message, /refused our credentials/);
      // The endpoint's own message ends in a full stop; ours does not add a second one.
      assert.ok(!e.message.includes('..'), e.message);
      assert.match(e.message, /[^.]\.$/);
      assert.match(e.hint, /OPENAI_API_KEY/);
      return true;
    },
  );
  assert.equal(server.requests.filter((r) => r.path.endsWith('/chat/completions')).length, 1);
  for (const id of paperIds(6)) assert.equal(store.state(id), undefined);
});

test('an endpoint that is down defers every paper; nothing is recorded as done', async (t) => {
  const { deps, store } = await supervisionBench(
    t,
    paperIds(2).map((id) => fixturePaper(id)),
  );
  deps.teacher = createLlmClient(
    endpointFromEnv(
      { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'k', model: 't', maxRetries: 0, timeoutMs: 500 },
      {},
    ),
  );
  const summary = await superviseWithTeacher(paperIds(2), deps);
  assert.deepEqual([summary.deferred, summary.accepted], [2, 0]);
  assert.equal(store.state(paperIds(1)[0]!), undefined);
});

test('the judge: lenient scores accepted, low scores rejected, unusable verdicts leave the paper awaiting a judge', async (t) => {
  const ids = paperIds(4);
  const judged: Record<string, number> = {};
  const { deps, store } = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
    (call) => {
      const id = paperIdOf(call);
      if (roleOf(call) === 'teacher') return goodAnswer(id);
      judged[id] = (judged[id] ?? 0) + 1;
      if (id === ids[0]) return verdict(id, { faithfulness: '5.0 (Excellent)', overall: '90%' });
      if (id === ids[1]) return verdict(id, { faithfulness: 2, overall: 40 });
      if (id === ids[2]) return 'The explanation is fine, I would give it a 4.';
      return verdict(id, { faithfulness: '7.5' });
    },
  );
  const summary = await superviseWithTeacher(ids, deps);
  assert.deepEqual([summary.accepted, summary.rejected, summary.deferred], [1, 1, 2]);
  assert.equal(store.state(ids[0]!)!.status, 'accepted');
  assert.match(store.state(ids[1]!)!.reason!, /faithfulness 2 < 4; judge overall 40 < 60/);
  assert.equal(store.state(ids[2]!)!.status, 'validated');
  assert.equal(judged[ids[2]!], 2);
  assert.match(store.calls(ids[3]!, 'judge')[0]!.errors[0]!.message, /faithfulness 7.5 is outside 0–5/);
  // A later judge run picks up only the papers still awaiting a verdict.
  const later = await superviseWithJudge(ids, deps);
  assert.deepEqual([later.skipped, later.deferred], [2, 2]);
});

test('a human decision always wins: such papers are never sent again', async (t) => {
  const { deps, store, server } = await supervisionBench(
    t,
    paperIds(2).map((id) => fixturePaper(id)),
  );
  store.decide({
    paperId: '2501.90001',
    decision: 'reject',
    explanation: null,
    note: 'off-topic',
    decidedAt: 'now',
  });
  const summary = await superviseWithTeacher(paperIds(2), { ...deps }, { force: true });
  assert.deepEqual([summary.skipped, summary.accepted], [1, 1]);
  assert.ok(!server.chatCalls.some((c) => paperIdOf(c) === '2501.90001'));
});
