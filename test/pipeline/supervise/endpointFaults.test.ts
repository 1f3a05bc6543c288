/**
 * Endpoint faults are not bad explanations: a body that is not a completion leaves papers pending (teacher and
 * judge alike), a base URL that is not a chat endpoint, an unknown model and a used-up quota stop the run at the
 * first call, and bad bodies are asked again as often as maxRetries says.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { createLlmClient, endpointFromEnv } from '../../../src/pipeline/supervise/llm/openaiClient';
import { superviseWithJudge, superviseWithTeacher } from '../../../src/pipeline/supervise/supervise';
import { type ChatHandler, errorReply, type Reply } from '../../helpers/openaiServer';
import {
  fixturePaper,
  goodAnswer,
  paperIdOf,
  paperIds,
  roleOf,
  supervisionBench,
} from '../../helpers/supervision';

/** A 200 whose body is `body`, served as `contentType`. */
function body200(body: string, contentType = 'application/json'): Reply {
  return { kind: 'error', status: 200, rawBody: body, headers: { 'content-type': contentType } };
}

const badBodies: [string, Reply, RegExp][] = [
  ['no choices', body200('{"id": "x", "object": "chat.completion", "model": "m"}'), /without "choices"/],
  ['non-array choices', body200('{"id": "x", "choices": {"message": {"content": "hi"}}}'), /not a list/],
  ['an empty choice list', body200('{"id": "x", "choices": []}'), /empty "choices" list/],
];
const foreignBodies: [string, Reply, RegExp][] = [
  [
    'an HTML page',
    body200('<!doctype html><html><head><title>Open WebUI</title></head></html>', 'text/html'),
    /an HTML page \("Open WebUI"\)/,
  ],
  [
    'an event stream',
    body200('data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n', 'text/event-stream'),
    /an event stream/,
  ],
];

/** Three papers, a teacher whose answers `handler` scripts, no judge, one paper at a time. */
async function bench(t: TestContext, maxRetries: number, handler: ChatHandler) {
  const ids = paperIds(3);
  const b = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
    handler,
  );
  const endpoint = (model: string) =>
    endpointFromEnv({ baseUrl: b.server.baseUrl, apiKey: 'sk-test', model, maxRetries, timeoutMs: 2000 }, {});
  b.deps.teacher = createLlmClient(endpoint('teacher-model'), { retryBaseMs: 1 });
  b.deps.judge = null;
  b.deps.config = { ...b.deps.config, concurrency: 1 };
  return { ...b, ids };
}

for (const [name, reply, pattern] of badBodies) {
  test(`a completion with ${name} leaves the papers pending, and the rerun teaches them`, async (t) => {
    let broken = true;
    const { deps, store, ids, server } = await bench(t, 1, (call) =>
      broken ? reply : goodAnswer(paperIdOf(call)),
    );
    const summary = await superviseWithTeacher(ids, deps);
    assert.deepEqual([summary.deferred, summary.rejected, summary.failedCalls, summary.calls], [3, 0, 3, 3]);
    assert.match(summary.lastFailure ?? '', pattern);
    for (const id of ids) assert.equal(store.state(id), undefined);
    // Each paper was asked twice: maxRetries 1 covers bad bodies too.
    assert.equal(server.chatCalls.length, 6);
    broken = false;
    const rerun = await superviseWithTeacher(ids, deps);
    assert.equal(rerun.validated, 3);
  });
}

for (const [name, reply, pattern] of foreignBodies) {
  test(`${name} in place of a completion stops the run after its retries; nothing is rejected`, async (t) => {
    const { deps, store, ids, server } = await bench(t, 2, () => reply);
    await assert.rejects(superviseWithTeacher(ids, deps), (e: unknown) => {
      assert.ok(e instanceof MiniAstroError);
      assert.equal(e.exitCode, 4);
      assert.match(e.message, /is not an OpenAI-compatible chat endpoint/);
      assert.match(e.message, pattern);
      assert.match(e.hint, /--base-url/);
      return true;
    });
    assert.equal(server.chatCalls.length, 3);
    for (const id of ids) assert.equal(store.state(id), undefined);
  });
}

test('an unknown model stops the run at the first call and names the model', async (t) => {
  const { deps, store, ids, server } = await bench(t, 3, () =>
    errorReply(404, 'The model `gpt-5-turbo-x` does not exist or you do not have access to it.', {
      code: 'model_not_found',
    }),
  );
  await assert.rejects(superviseWithTeacher(ids, deps), (e: unknown) => {
    assert.ok(e instanceof MiniAstroError);
    assert.match(e.message, /The teacher model "teacher-model" is not served by/);
    assert.match(e.hint, /--model/);
    return true;
  });
  assert.equal(server.chatCalls.length, 1);
  for (const id of ids) assert.equal(store.state(id), undefined);
});

test('a used-up quota (429 insufficient_quota) stops the run without retrying', async (t) => {
  const { deps, ids, server } = await bench(t, 3, () =>
    errorReply(429, 'You exceeded your current quota, please check your plan and billing details.', {
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    }),
  );
  await assert.rejects(superviseWithTeacher(ids, deps), /quota or credit is used up/);
  assert.equal(server.chatCalls.length, 1);
});

test('maxRetries 0: a bad body is not asked again', async (t) => {
  const { deps, ids, server } = await bench(t, 0, () => badBodies[0]![1]);
  const summary = await superviseWithTeacher(ids, deps);
  assert.equal(summary.deferred, 3);
  assert.equal(server.chatCalls.length, 3);
});

test('the judge treats the same faults the same way: the explanation stays validated', async (t) => {
  const ids = paperIds(2);
  let judgeReply: Reply = badBodies[0]![1];
  const b = await supervisionBench(
    t,
    ids.map((id) => fixturePaper(id)),
    (call) => (roleOf(call) === 'judge' ? judgeReply : goodAnswer(paperIdOf(call))),
  );
  b.deps.judge = null;
  assert.equal((await superviseWithTeacher(ids, b.deps)).validated, 2);
  const judge = createLlmClient(
    endpointFromEnv(
      { baseUrl: b.server.baseUrl, apiKey: 'k', model: 'judge-x', maxRetries: 0, timeoutMs: 2000 },
      {},
    ),
  );
  const deps = { ...b.deps, teacher: judge, judge, config: { ...b.deps.config, concurrency: 1 } };
  const summary = await superviseWithJudge(ids, deps);
  assert.deepEqual([summary.deferred, summary.rejected, summary.failedCalls], [2, 0, 2]);
  for (const id of ids) assert.equal(b.store.state(id)?.status, 'validated');
  judgeReply = errorReply(404, 'model "judge-x" not found, try pulling it first');
  await assert.rejects(superviseWithJudge(ids, deps), /The judge model "judge-x" is not served by/);
  judgeReply = foreignBodies[0]![1];
  await assert.rejects(superviseWithJudge(ids, deps), /not an OpenAI-compatible chat endpoint/);
  for (const id of ids) assert.equal(b.store.state(id)?.status, 'validated');
});
