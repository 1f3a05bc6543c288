import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import type { Clock } from '../../../../src/core/clock';
import { createLlmClient } from '../../../../src/pipeline/supervise/llm/openaiClient';
import {
  type ChatRequest,
  type JsonSchemaSpec,
  LlmCallError,
  type LlmEndpoint,
} from '../../../../src/pipeline/supervise/llm/types';
import {
  errorReply,
  llamaCppJsonSchemaRejection,
  type OpenAiServer,
  startOpenAiServer,
  vllmError,
} from '../../../helpers/openaiServer';

const schema: JsonSchemaSpec = {
  name: 'explanation',
  schema: {
    type: 'object',
    properties: { id: { type: 'string' }, explanation: { type: 'string' } },
    required: ['id', 'explanation'],
    additionalProperties: false,
  },
};

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'You explain astrophysics abstracts.' },
    { role: 'user', content: 'Abstract: Planetary nebula PB 8 ...' },
  ],
  jsonSchema: schema,
};

const answer = JSON.stringify({ id: '1801.00892', explanation: 'Gas expelled by a dying star glows.' });

async function setup(t: TestContext, patch: Partial<LlmEndpoint> = {}) {
  const server = await startOpenAiServer(() => answer);
  t.after(() => server.close());
  const endpoint: LlmEndpoint = {
    baseUrl: server.baseUrl,
    apiKey: 'sk-test-0123456789',
    model: 'teacher-8b',
    temperature: 0.2,
    maxTokens: 400,
    timeoutMs: 5000,
    maxRetries: 2,
    inputCostPerMTok: 0.15,
    outputCostPerMTok: 0.6,
    ...patch,
  };
  return { server, endpoint, client: createLlmClient(endpoint) };
}

async function rejects(promise: Promise<unknown>): Promise<LlmCallError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LlmCallError, `expected LlmCallError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function formats(server: OpenAiServer): (string | undefined)[] {
  return server.chatCalls.map((c) => c.responseFormat?.type);
}

test('a good answer: json_schema request, result text/model/mode, key sent as Bearer', async (t) => {
  const { server, client } = await setup(t);
  const result = await client.complete(request);
  assert.equal(result.text, answer);
  assert.equal(result.mode, 'json_schema');
  assert.equal(result.model, 'teacher-8b');
  assert.equal(result.finishReason, 'stop');
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]!.authorization, 'Bearer sk-test-0123456789');
  const call = server.chatCalls[0]!;
  assert.deepEqual(call.responseFormat, {
    type: 'json_schema',
    name: 'explanation',
    schema: schema.schema,
    strict: true,
  });
  assert.equal(call.body['temperature'], 0.2);
  assert.equal(call.body['max_tokens'], 400, 'local servers get max_tokens');
  assert.equal(call.body['max_completion_tokens'], undefined);
  // The schema travels in response_format; the prompt is left as the caller wrote it.
  assert.deepEqual(call.messages, request.messages);
});

test('usage becomes tokens and cost at the endpoint prices; latency comes from the clock', async (t) => {
  const { server, endpoint } = await setup(t);
  server.handler = () => ({
    kind: 'answer',
    content: answer,
    usage: { prompt_tokens: 1200, completion_tokens: 300 },
  });
  const times = [10_000, 10_250];
  const clock: Clock = { now: () => times.shift() ?? 99_999, sleep: async () => {} };
  const result = await createLlmClient(endpoint, { clock }).complete(request);
  assert.equal(result.inputTokens, 1200);
  assert.equal(result.outputTokens, 300);
  assert.ok(Math.abs(result.costUsd - (1200 * 0.15 + 300 * 0.6) / 1e6) < 1e-12);
  assert.equal(result.latencyMs, 250);
});

test('an endpoint that omits usage costs nothing rather than failing', async (t) => {
  const { server, client } = await setup(t);
  server.handler = () => ({
    kind: 'answer',
    content: answer,
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  });
  const result = await client.complete(request);
  assert.equal(result.costUsd, 0);
});

test('json_schema rejected with 400 → json_object, and later calls start there (no re-probe)', async (t) => {
  const { server, client } = await setup(t);
  server.rejectJsonSchema = true;
  const first = await client.complete(request);
  assert.equal(first.mode, 'json_object');
  assert.equal(first.text, answer);
  assert.equal(client.outputMode, 'json_object');
  assert.deepEqual(formats(server), ['json_schema', 'json_object']);
  // The schema cannot ride in response_format any more, so it is in the system prompt.
  const system = server.chatCalls[1]!.messages[0]!;
  assert.equal(system.role, 'system');
  assert.match(system.content, /^You explain astrophysics abstracts\.\n\n.*JSON Schema/s);
  assert.ok(system.content.includes('"explanation"'));
  assert.equal(server.chatCalls[1]!.messages.length, 2, 'no second system message');

  const second = await client.complete(request);
  assert.equal(second.mode, 'json_object');
  assert.deepEqual(formats(server), ['json_schema', 'json_object', 'json_object']);
});

test('both structured modes rejected → plain text, remembered', async (t) => {
  const { server, client } = await setup(t);
  server.rejectJsonSchema = true;
  server.rejectJsonObject = true;
  const first = await client.complete(request);
  assert.equal(first.mode, 'text');
  assert.equal(client.outputMode, 'text');
  assert.deepEqual(formats(server), ['json_schema', 'json_object', undefined]);
  await client.complete(request);
  assert.deepEqual(formats(server), ['json_schema', 'json_object', undefined, undefined]);
  assert.match(server.chatCalls[3]!.messages[0]!.content, /JSON Schema/);
});

test("older llama.cpp's 500 for json_schema is a format rejection too (after the package's retries)", async (t) => {
  const { server, client } = await setup(t, { maxRetries: 1 });
  server.rejectJsonSchema = llamaCppJsonSchemaRejection;
  const result = await client.complete(request);
  assert.equal(result.mode, 'json_object');
  assert.deepEqual(formats(server), ['json_schema', 'json_schema', 'json_object']);
});

test("vLLM's top-level error body is read, so its json_schema rejection is recognised", async (t) => {
  const { server, client } = await setup(t);
  server.rejectJsonSchema = vllmError(
    400,
    "guided_json is not supported: unknown response_format type 'json_schema'",
  );
  const result = await client.complete(request);
  assert.equal(result.mode, 'json_object');
});

test('a request without a schema sends no response_format and reports mode text', async (t) => {
  const { server, client } = await setup(t);
  server.handler = () => 'plain words';
  const result = await client.complete({ messages: request.messages });
  assert.equal(result.text, 'plain words');
  assert.equal(result.mode, 'text');
  assert.deepEqual(formats(server), [undefined]);
  assert.equal(client.outputMode, 'json_schema', 'schema-less calls do not change the structured mode');
});

test('429 with retry-after is waited out, then the answer is returned', async (t) => {
  const { server, client } = await setup(t);
  server.handler = (call) =>
    call.index === 0
      ? errorReply(429, 'Rate limit reached for requests', { retryAfter: '1', code: 'rate_limit_exceeded' })
      : answer;
  const started = Date.now();
  const result = await client.complete(request);
  const waited = server.requests[1]!.at - server.requests[0]!.at;
  assert.equal(result.text, answer);
  assert.equal(server.requests.length, 2);
  assert.ok(waited >= 950, `second request came ${waited} ms after the first; retry-after asked for 1000`);
  assert.ok(Date.now() - started < 4000);
});

test('500 once, then success', async (t) => {
  const { server, client } = await setup(t);
  server.handler = (call) =>
    call.index === 0
      ? errorReply(500, 'The server had an error while processing your request.', {
          headers: { 'retry-after-ms': '20' },
        })
      : answer;
  const result = await client.complete(request);
  assert.equal(result.text, answer);
  assert.equal(server.requests.length, 2);
  assert.equal(client.outputMode, 'json_schema', 'a plain 500 is not a format rejection');
});

test("persistent 503 → 'unavailable' after maxRetries + 1 requests", async (t) => {
  const { server, client } = await setup(t, { maxRetries: 2 });
  server.handler = () =>
    errorReply(503, 'The engine is currently overloaded', { headers: { 'retry-after-ms': '10' } });
  const error = await rejects(client.complete(request));
  assert.equal(error.kind, 'unavailable');
  assert.equal(error.status, 503);
  assert.match(error.message, /overloaded.*3 attempts/);
  assert.equal(server.requests.length, 3);
  assert.equal(client.outputMode, 'json_schema');
});

test("401 → 'auth' after exactly one request", async (t) => {
  const { server, client } = await setup(t, { maxRetries: 5 });
  server.apiKey = 'sk-the-right-key';
  const error = await rejects(client.complete(request));
  assert.equal(error.kind, 'auth');
  assert.equal(error.status, 401);
  assert.match(error.message, /Incorrect API key/);
  assert.equal(server.requests.length, 1);
});

test("403 → 'auth'", async (t) => {
  const { server, client } = await setup(t);
  server.handler = () =>
    errorReply(403, 'You are not allowed to sample from this model', { type: 'invalid_request_error' });
  const error = await rejects(client.complete(request));
  assert.equal(error.kind, 'auth');
  assert.equal(server.requests.length, 1);
});

test("other 4xx (context too long) → 'rejected', no retry, no mode change; an unknown model → 'model'", async (t) => {
  const { server, client } = await setup(t);
  server.handler = () =>
    errorReply(400, "This model's maximum context length is 8192 tokens.", {
      code: 'context_length_exceeded',
    });
  const tooLong = await rejects(client.complete(request));
  assert.equal(tooLong.kind, 'rejected');
  assert.equal(tooLong.status, 400);
  assert.equal(server.requests.length, 1);
  assert.equal(client.outputMode, 'json_schema');

  server.handler = () =>
    errorReply(404, 'The model `teacher-8b` does not exist', { code: 'model_not_found' });
  const unknown = await rejects(client.complete(request));
  assert.equal(unknown.kind, 'model');
  assert.equal(unknown.status, 404);
});

test("OpenAI's complaint about the schema itself is not taken as 'json_schema unsupported'", async (t) => {
  const { server, client } = await setup(t);
  server.handler = () =>
    errorReply(
      400,
      "Invalid schema for response_format 'explanation': 'additionalProperties' is required to be supplied and to be false.",
    );
  const error = await rejects(client.complete(request));
  assert.equal(error.kind, 'rejected');
  assert.equal(server.requests.length, 1);
});

test("a hung request ends after timeoutMs per attempt as 'unavailable'", async (t) => {
  const { server, client } = await setup(t, { timeoutMs: 300, maxRetries: 1 });
  server.handler = () => ({ kind: 'hang' });
  const started = Date.now();
  const error = await rejects(client.complete(request));
  const elapsed = Date.now() - started;
  assert.equal(error.kind, 'unavailable');
  assert.match(error.message, /within 300 ms \(2 attempts\)/);
  assert.equal(server.requests.length, 2);
  // Two 300 ms attempts plus one backoff of at most 0.5 s.
  assert.ok(elapsed >= 550 && elapsed < 2000, `took ${elapsed} ms`);
});

test("a dropped connection → 'unavailable'", async (t) => {
  const { server, client } = await setup(t, { maxRetries: 0 });
  server.handler = () => ({ kind: 'drop' });
  const error = await rejects(client.complete(request));
  assert.equal(error.kind, 'unavailable');
  assert.equal(error.status, null);
  assert.equal(server.requests.length, 1);
});

test("nothing listening → 'unavailable'", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const client = createLlmClient({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey: 'x',
    model: 'm',
    temperature: 0,
    maxTokens: 10,
    timeoutMs: 2000,
    maxRetries: 0,
    inputCostPerMTok: 0,
    outputCostPerMTok: 0,
  });
  const error = await rejects(client.complete(request));
  assert.equal(error.kind, 'unavailable');
  assert.match(error.message, /cannot reach http:\/\/127\.0\.0\.1/);
});

test("the caller's abort ends the call with the caller's reason, not an LlmCallError", async (t) => {
  const { server, client } = await setup(t);
  server.latencyMs = 2000;
  const controller = new AbortController();
  const reason = new Error('run interrupted');
  setTimeout(() => controller.abort(reason), 50);
  await assert.rejects(client.complete(request, controller.signal), (error) => error === reason);
});

test("empty and cut-off answers come back as they are; judging them is the caller's job", async (t) => {
  const { server, client } = await setup(t);
  server.handler = () => ({ kind: 'answer', content: '' });
  const empty = await client.complete(request);
  assert.equal(empty.text, '');
  server.handler = () => ({ kind: 'answer', content: answer.slice(0, 20), finishReason: 'length' });
  const cut = await client.complete(request);
  assert.equal(cut.finishReason, 'length', 'a cut-off answer is returned; the caller sees finishReason');
});

test('api.openai.com gets max_completion_tokens (requests routed to the loopback server via deps.fetch)', async (t) => {
  const { server, endpoint } = await setup(t);
  const client = createLlmClient(
    { ...endpoint, baseUrl: 'https://api.openai.com/v1' },
    {
      fetch: (input, init) =>
        fetch(
          String(input instanceof Request ? input.url : input).replace(
            'https://api.openai.com/v1',
            server.baseUrl,
          ),
          init,
        ),
    },
  );
  await client.complete(request);
  const body = server.chatCalls[0]!.body;
  assert.equal(body['max_completion_tokens'], 400);
  assert.equal(body['max_tokens'], undefined);
});

test('calls run concurrently: 10 calls at 50 ms latency take far less than 10 × 50 ms', async (t) => {
  const { server, client } = await setup(t);
  server.latencyMs = 50;
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 10 }, () => client.complete(request)));
  const elapsed = Date.now() - started;
  assert.equal(results.length, 10);
  assert.ok(results.every((r) => r.latencyMs >= 45));
  assert.ok(elapsed < 400, `took ${elapsed} ms`);
});
