// The engine process through the editor's client: the student explains with streamed tokens (the same text as
// an in-process explainAbstract), a request can be cancelled, the teacher's explanation is stored as supervision
// with the key from the environment only, a killed engine fails its request clearly and restarts, and an idle
// engine exits and comes back on the next request.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { type ExplainProgress, Requests, type StudentSource } from '../../src/engine/protocol';
import { EngineError } from '../../src/extension/engineClient';
import { openDatabase } from '../../src/pipeline/store/database';
import { SupervisionStore } from '../../src/pipeline/store/supervision';
import { loadGenerationConfig } from '../../src/student/config/generationConfig';
import { explainAbstract, openInferenceModel } from '../../src/student/infer';
import { initGpt2Weights, saveGpt2Folder, tinyGpt2Config } from '../../src/student/model';
import { startTestEngine } from '../helpers/engine';
import { startOpenAiServer } from '../helpers/openaiServer';
import { fixtureAbstract, happyHandler } from '../helpers/supervision';
import { tempDir } from '../helpers/tmp';

const ABSTRACT = 'We observe rings of dust in a protoplanetary disc and infer that planets carve gaps in it.';

function tinyStudent(dir: string): string {
  const config = tinyGpt2Config({ vocabSize: 50257, nPositions: 512, initializerRange: 0.3 });
  const modelDir = path.join(dir, 'student');
  saveGpt2Folder(modelDir, config, initGpt2Weights(config, { seed: 11 }));
  return modelDir;
}

const studentSource = (modelPath: string, maxNewTokens: number): StudentSource => ({
  kind: 'student',
  modelPath,
  generation: { maxNewTokens, minNewTokens: 0, repetitionPenalty: 1, noRepeatNgramSize: 0 },
});

const paper = { id: null, title: null, authors: [] };

test('the student explains with streamed progress, and writes what an in-process decode writes', async (t) => {
  const modelPath = tinyStudent(tempDir(t));
  const { client } = startTestEngine(t);
  const progress: ExplainProgress[] = [];
  const stop = client.onProgress('r1', (p) => progress.push(p));
  const result = await client.request(Requests.explain, {
    requestId: 'r1',
    abstract: ABSTRACT,
    paper,
    source: studentSource(modelPath, 60),
  });
  stop();
  const model = await openInferenceModel(modelPath);
  t.after(() => model.release());
  const expected = await explainAbstract(model, ABSTRACT, {
    generation: { ...loadGenerationConfig(), maxNewTokens: 60 },
  });
  assert.equal(result.explanation, expected.explanation);
  assert.equal(result.tokens, expected.tokens);
  assert.equal(result.source, 'student');
  assert.equal(progress[0]?.phase, 'loading');
  const generating = progress.filter((p) => p.phase === 'generating');
  assert.ok(generating.length >= 1, 'tokens streamed');
  for (const p of generating) assert.ok(result.explanation.startsWith(p.text.trim()), p.text);
});

test('a cancelled request stops the decode and says so; the engine keeps serving', async (t) => {
  const modelPath = tinyStudent(tempDir(t));
  const { client } = startTestEngine(t);
  const { CancellationTokenSource } = await import('vscode-jsonrpc');
  const source = new CancellationTokenSource();
  client.onProgress('long', (p) => {
    if (p.tokens >= 5) source.cancel();
  });
  await assert.rejects(
    client.request(
      Requests.explain,
      { requestId: 'long', abstract: ABSTRACT, paper, source: studentSource(modelPath, 450) },
      source.token,
    ),
    (error: unknown) => error instanceof EngineError && error.cancelled,
  );
  const info = await client.request(Requests.hello, null);
  assert.ok(info.pid > 0);
});

test('the teacher: key from the environment, explanation validated and stored, key nowhere in the database', async (t) => {
  const server = await startOpenAiServer(happyHandler);
  t.after(() => server.close());
  server.apiKey = 'sk-editor-secret';
  const dir = tempDir(t);
  const databasePath = path.join(dir, 'astro.db');
  const { client } = startTestEngine(t, { OPENAI_API_KEY: 'sk-editor-secret' });
  const result = await client.request(Requests.explain, {
    requestId: 't1',
    abstract: fixtureAbstract,
    paper: { id: '2501.90001', title: 'Dust rings', authors: ['A. Observer'] },
    source: {
      kind: 'teacher',
      baseUrl: server.baseUrl,
      model: 'teacher-model',
      judge: { baseUrl: server.baseUrl, model: 'judge-model' },
      databasePath,
      regenerate: false,
    },
  });
  assert.equal(result.source, 'teacher');
  assert.equal(result.status, 'accepted');
  assert.equal(result.paperId, '2501.90001');
  assert.equal(result.writtenBy, 'teacher teacher-model');
  assert.ok(server.requests.every((r) => r.authorization === 'Bearer sk-editor-secret'));
  await client.stop();
  const db = openDatabase(databasePath);
  try {
    assert.equal(new SupervisionStore(db).state('2501.90001')?.status, 'accepted');
  } finally {
    db.close();
  }
  for (const file of ['astro.db', 'astro.db-wal']) {
    try {
      assert.ok(!readFileSync(path.join(dir, file)).includes('sk-editor-secret'), `${file} holds the key`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
});

test("the teacher refusing the key: a clear error whose hint is in the editor's terms; nothing stored", async (t) => {
  const server = await startOpenAiServer(happyHandler);
  t.after(() => server.close());
  server.apiKey = 'sk-right';
  const databasePath = path.join(tempDir(t), 'astro.db');
  const { client } = startTestEngine(t, { OPENAI_API_KEY: 'sk-wrong' });
  await assert.rejects(
    client.request(Requests.explain, {
      requestId: 't2',
      abstract: fixtureAbstract,
      paper: { id: '2501.90002', title: 'Dust rings', authors: [] },
      source: {
        kind: 'teacher',
        baseUrl: server.baseUrl,
        model: 'teacher-model',
        judge: null,
        databasePath,
        regenerate: false,
      },
    }),
    (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.kind, 'remote');
      assert.match(error.message, /refused our credentials: it answered 401/);
      // The pipeline's own hint names the CLI's OPENAI_API_KEY / --api-key; the editor's user gets its command.
      assert.match(error.hint, /^Run "MiniAstroLM: Set API key" with a valid key/);
      assert.ok(!/--api-key|OPENAI_API_KEY/.test(error.hint), error.hint);
      return true;
    },
  );
  assert.equal(server.requests.filter((r) => r.path.endsWith('/chat/completions')).length, 1);
  await client.stop();
  const db = openDatabase(databasePath);
  try {
    assert.equal(new SupervisionStore(db).state('2501.90002'), undefined, 'nothing stored as done');
  } finally {
    db.close();
  }
});

test('an engine killed mid-request fails that request clearly, and the next request starts a new one', async (t) => {
  const modelPath = tinyStudent(tempDir(t));
  const { client, crashes } = startTestEngine(t);
  const first = await client.pid().then(async () => (await client.request(Requests.hello, null)).pid);
  let killed = false;
  client.onProgress('doomed', (p) => {
    if (p.phase === 'generating' && !killed) {
      killed = true;
      process.kill(first, 'SIGKILL');
    }
  });
  await assert.rejects(
    client.request(Requests.explain, {
      requestId: 'doomed',
      abstract: ABSTRACT,
      paper,
      source: studentSource(modelPath, 450),
    }),
    (error: unknown) => error instanceof EngineError && error.kind === 'crashed',
  );
  assert.deepEqual(crashes, ['killed by SIGKILL']);
  const second = (await client.request(Requests.hello, null)).pid;
  assert.notEqual(second, first);
});

test('an idle engine exits to give its memory back, and comes back on the next request', async (t) => {
  const { client, logs } = startTestEngine(t, { MINIASTROLM_ENGINE_IDLE_MS: '300' });
  const first = (await client.request(Requests.hello, null)).pid;
  for (let i = 0; i < 100 && client.isRunning; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(client.isRunning, false, 'the engine exited');
  assert.ok(
    logs.some((l) => /idle for 0 s/.test(l)),
    logs.join('\n'),
  );
  const second = (await client.request(Requests.hello, null)).pid;
  assert.notEqual(second, first);
});

test('a 5,000-word abstract: the student reads what fits and says how much it left out', async (t) => {
  const modelPath = tinyStudent(tempDir(t));
  const { client } = startTestEngine(t);
  const long = 'Dust drifts toward the pressure maximum outside the gap. '.repeat(560);
  const result = await client.request(Requests.explain, {
    requestId: 'long',
    abstract: long,
    paper,
    source: studentSource(modelPath, 40),
  });
  assert.ok(result.droppedAbstractTokens > 4000, `${result.droppedAbstractTokens} tokens left out`);
  assert.ok(result.tokens > 0 && result.tokens <= 40);
});
