import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type OpenAI from 'openai';
import { MiniAstroError } from '../../../../src/core/errors';
import {
  type BatchRequest,
  type BatchStatus,
  buildBatchFiles,
  cancelBatch,
  collectBatch,
  pollBatch,
  submitBatch,
} from '../../../../src/pipeline/supervise/llm/batchApi';
import { buildChatBody } from '../../../../src/pipeline/supervise/llm/chatBody';
import { readCompletion } from '../../../../src/pipeline/supervise/llm/completion';
import { createOpenAiSdk } from '../../../../src/pipeline/supervise/llm/openaiClient';
import { LlmCallError, type LlmEndpoint } from '../../../../src/pipeline/supervise/llm/types';
import { errorReply, type OpenAiServer, startOpenAiServer } from '../../../helpers/openaiServer';

function endpointFor(server: { baseUrl: string }, patch: Partial<LlmEndpoint> = {}): LlmEndpoint {
  return {
    baseUrl: server.baseUrl,
    apiKey: 'sk-batch-test',
    model: 'gpt-4o-mini',
    temperature: 0,
    maxTokens: 300,
    timeoutMs: 5000,
    maxRetries: 0,
    inputCostPerMTok: 0.15,
    outputCostPerMTok: 0.6,
    ...patch,
  };
}

function requestsFor(endpoint: LlmEndpoint, ids: string[]): BatchRequest[] {
  return ids.map((id) => ({
    customId: id,
    body: {
      ...buildChatBody(endpoint, { messages: [{ role: 'user', content: `Explain paper ${id}` }] }, 'text'),
    },
  }));
}

async function withServer(t: TestContext): Promise<OpenAiServer> {
  const server = await startOpenAiServer((call) => `explanation of ${call.customId}`);
  t.after(() => server.close());
  return server;
}

/** Polls as a scheduler would, returning every status seen. */
async function pollUntilDone(client: OpenAI, id: string): Promise<BatchStatus[]> {
  const seen: BatchStatus[] = [];
  for (let i = 0; i < 200; i++) {
    const status = await pollBatch(client, id);
    seen.push(status);
    if (status.done) return seen;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('batch never finished');
}

test('files split at maxRequests, keep order, and every line is a batch request', () => {
  const endpoint = endpointFor({ baseUrl: 'http://127.0.0.1:1/v1' });
  const ids = Array.from({ length: 7 }, (_, i) => `p${i}`);
  const files = buildBatchFiles(requestsFor(endpoint, ids), { maxRequests: 3, maxBytes: 1_000_000 });
  assert.deepEqual(
    files.map((f) => f.split('\n').filter(Boolean).length),
    [3, 3, 1],
  );
  const lines = files.flatMap((f) => f.split('\n').filter(Boolean)).map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.custom_id),
    ids,
  );
  for (const line of lines) {
    assert.equal(line.method, 'POST');
    assert.equal(line.url, '/v1/chat/completions');
    assert.equal(line.body.model, 'gpt-4o-mini');
  }
  assert.ok(files.every((f) => f.endsWith('\n')));
});

test('files split at maxBytes and none exceeds it', () => {
  const endpoint = endpointFor({ baseUrl: 'http://127.0.0.1:1/v1' });
  const requests = requestsFor(endpoint, ['a1', 'a2', 'a3', 'a4', 'a5']);
  const lineBytes = Buffer.byteLength(buildBatchFiles(requests.slice(0, 1))[0]!);
  const maxBytes = lineBytes * 2 + 5; // room for two lines, not three
  const files = buildBatchFiles(requests, { maxRequests: 100, maxBytes });
  assert.deepEqual(
    files.map((f) => f.split('\n').filter(Boolean).length),
    [2, 2, 1],
  );
  assert.ok(files.every((f) => Buffer.byteLength(f) <= maxBytes));
  // Exactly at the limit still fits.
  assert.equal(
    buildBatchFiles(requests.slice(0, 2), { maxRequests: 100, maxBytes: lineBytes * 2 }).length,
    1,
  );
});

test('a duplicate custom_id or a request larger than a file is refused before upload', () => {
  const endpoint = endpointFor({ baseUrl: 'http://127.0.0.1:1/v1' });
  assert.throws(
    () => buildBatchFiles(requestsFor(endpoint, ['x', 'y', 'x'])),
    (e) => e instanceof MiniAstroError && /duplicate custom_id.*x/.test(e.message),
  );
  assert.throws(
    () => buildBatchFiles(requestsFor(endpoint, ['x']), { maxRequests: 10, maxBytes: 50 }),
    (e) => e instanceof MiniAstroError && e.kind === 'badInput',
  );
  assert.deepEqual(buildBatchFiles([]), []);
});

test('round trip: upload, poll through validating → in_progress → completed, collect out-of-order results and errors', async (t) => {
  const server = await withServer(t);
  const endpoint = endpointFor(server);
  const client = createOpenAiSdk(endpoint);
  server.batchOrder = 'reversed';
  server.handler = (call) => {
    if (call.customId === 'p2')
      return errorReply(400, "This model's maximum context length is 128000 tokens.", {
        code: 'context_length_exceeded',
      });
    if (call.customId === 'p4') return { kind: 'hang' };
    return {
      kind: 'answer',
      content: `explanation of ${call.customId}`,
      usage: { prompt_tokens: 1000, completion_tokens: 200 },
    };
  };
  const ids = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
  const [file] = buildBatchFiles(requestsFor(endpoint, ids));
  const batchId = await submitBatch(client, file!, { run: 'teacher-v2', part: '1' });

  // The upload went up as multipart with purpose "batch", and the batch was created over it.
  const upload = server.requests.find((r) => r.path === '/v1/files')!;
  assert.match(String(upload.headers['content-type']), /multipart\/form-data/);
  assert.equal(upload.authorization, 'Bearer sk-batch-test');
  const stored = server.batches.get(batchId)!;
  assert.equal(server.files.get(stored.inputFileId)!.purpose, 'batch');
  assert.equal(server.files.get(stored.inputFileId)!.content, file);
  const created = server.requests.find((r) => r.path === '/v1/batches')!.body as Record<string, unknown>;
  assert.equal(created['completion_window'], '24h');
  assert.equal(created['endpoint'], '/v1/chat/completions');

  const seen = await pollUntilDone(client, batchId);
  assert.equal(seen[0]!.status, 'in_progress', 'validating → in_progress on the first poll');
  const last = seen.at(-1)!;
  assert.equal(last.status, 'completed');
  assert.deepEqual(last.counts, { total: 6, completed: 4, failed: 2 });
  assert.deepEqual(last.metadata, { run: 'teacher-v2', part: '1' });
  assert.ok(last.outputFileId && last.errorFileId);

  // The output file really is out of order; results are keyed by custom_id regardless.
  const outputOrder = server.files
    .get(last.outputFileId)!
    .content.split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).custom_id);
  assert.deepEqual(outputOrder, ['p5', 'p3', 'p1', 'p0']);

  const results = await collectBatch(client, batchId);
  assert.deepEqual([...results.keys()].sort(), ids);
  for (const id of ['p0', 'p1', 'p3', 'p5']) {
    const r = results.get(id)!;
    assert.ok(r.ok, `${id} ok`);
    const chat = readCompletion(r.body, endpoint, 'text', 0, 0.5);
    assert.equal(chat.text, `explanation of ${id}`);
    assert.equal(chat.inputTokens, 1000);
    assert.ok(
      Math.abs(chat.costUsd - (0.5 * (1000 * 0.15 + 200 * 0.6)) / 1e6) < 1e-15,
      'batch prices are half',
    );
  }
  const p2 = results.get('p2')!;
  assert.ok(!p2.ok);
  assert.equal(p2.status, 400);
  assert.match(p2.error, /context_length_exceeded: .*maximum context length/);
  const p4 = results.get('p4')!;
  assert.ok(!p4.ok);
  assert.equal(p4.status, null);
  assert.match(p4.error, /request_timeout/);
});

test('collect after a restart: only the persisted batch id survives, a new client collects', async (t) => {
  const server = await withServer(t);
  server.batchOrder = 'reversed';
  const endpoint = endpointFor(server);
  const persisted: string[] = [];
  {
    // First "process": submit, persist the id, lose everything else.
    const client = createOpenAiSdk(endpoint);
    for (const file of buildBatchFiles(requestsFor(endpoint, ['a', 'b', 'c', 'd']), {
      maxRequests: 2,
      maxBytes: 1e6,
    })) {
      persisted.push(await submitBatch(client, file, { run: 'r1' }));
    }
    await pollBatch(client, persisted[0]!);
  }
  const storedIds = JSON.parse(JSON.stringify(persisted)) as string[];
  const fresh = createOpenAiSdk(endpoint);
  const all = new Map<string, string>();
  for (const id of storedIds) {
    await pollUntilDone(fresh, id);
    for (const [customId, r] of await collectBatch(fresh, id)) {
      assert.ok(r.ok);
      all.set(customId, readCompletion(r.body, endpoint, 'text', 0).text);
    }
  }
  assert.deepEqual(Object.fromEntries(all), {
    a: 'explanation of a',
    b: 'explanation of b',
    c: 'explanation of c',
    d: 'explanation of d',
  });
});

test('collecting a batch that is still running says so', async (t) => {
  const server = await withServer(t);
  const client = createOpenAiSdk(endpointFor(server));
  const id = await submitBatch(client, buildBatchFiles(requestsFor(endpointFor(server), ['a']))[0]!);
  await assert.rejects(
    collectBatch(client, id),
    (e) => e instanceof MiniAstroError && e.kind === 'remote' && /in_progress/.test(e.message),
  );
});

test('an input file the server refuses: batch "failed" with line errors, collect explains', async (t) => {
  const server = await withServer(t);
  const client = createOpenAiSdk(endpointFor(server));
  const line = (id: string, url = '/v1/chat/completions') =>
    JSON.stringify({
      custom_id: id,
      method: 'POST',
      url,
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }] },
    });
  const id = await submitBatch(client, `${line('a')}\n${line('a')}\n${line('b', '/v1/embeddings')}\n`);
  const status = await pollBatch(client, id);
  assert.equal(status.status, 'failed');
  assert.ok(status.done);
  assert.deepEqual(status.errors, [
    'line 2: The custom_id for this request is a duplicate of another request.',
    'line 3: The url must match the batch endpoint /v1/chat/completions.',
  ]);
  await assert.rejects(
    collectBatch(client, id),
    (e) => e instanceof MiniAstroError && e.kind === 'badInput' && /duplicate/.test(e.message),
  );
});

test('a cancelled batch yields the answers finished before the cancel', async (t) => {
  const server = await withServer(t);
  server.handler = (call) => ({ kind: 'answer', content: `explanation of ${call.customId}`, delayMs: 40 });
  const endpoint = endpointFor(server);
  const client = createOpenAiSdk(endpoint);
  const id = await submitBatch(
    client,
    buildBatchFiles(requestsFor(endpoint, ['a', 'b', 'c', 'd', 'e', 'f']))[0]!,
  );
  await pollBatch(client, id); // starts processing
  await new Promise((r) => setTimeout(r, 60));
  const cancelling = await cancelBatch(client, id);
  assert.equal(cancelling.status, 'cancelling');
  assert.equal(cancelling.done, false);
  const seen = await pollUntilDone(client, id);
  assert.equal(seen.at(-1)!.status, 'cancelled');
  const results = await collectBatch(client, id);
  assert.ok(results.size >= 1 && results.size < 6, `${results.size} finished before the cancel`);
  assert.ok([...results.values()].every((r) => r.ok));
});

test("a wrong key on the batch endpoints is 'auth', as for live calls", async (t) => {
  const server = await withServer(t);
  server.apiKey = 'sk-right';
  const client = createOpenAiSdk(endpointFor(server, { maxRetries: 3 }));
  await assert.rejects(
    submitBatch(client, buildBatchFiles(requestsFor(endpointFor(server), ['a']))[0]!),
    (e) => e instanceof LlmCallError && e.kind === 'auth' && e.status === 401,
  );
  await assert.rejects(
    pollBatch(client, 'batch_missing'),
    (e) => e instanceof LlmCallError && e.kind === 'auth',
  );
  assert.equal(server.requests.length, 2);
});

test('an unknown batch id is rejected', async (t) => {
  const server = await withServer(t);
  const client = createOpenAiSdk(endpointFor(server));
  await assert.rejects(
    pollBatch(client, 'batch_nope'),
    (e) => e instanceof LlmCallError && e.kind === 'rejected' && e.status === 404,
  );
});

test('metadata over OpenAI limits is refused before any request', async (t) => {
  const server = await withServer(t);
  const client = createOpenAiSdk(endpointFor(server));
  const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  await assert.rejects(
    submitBatch(client, '', metadata),
    (e) => e instanceof MiniAstroError && e.kind === 'usage',
  );
  assert.equal(server.requests.length, 0);
});
