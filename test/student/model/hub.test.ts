// Hub downloads against a loopback hub + CDN: redirects, sha256 checks, resume with Range after a cut
// connection, retries on 503 with backoff on a virtual clock, corrupt downloads refused, cached files kept.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isMiniAstroError } from '../../../src/core/errors';
import { tinyGpt2Config } from '../../../src/student/model/config';
import { loadGpt2Folder, saveGpt2Folder } from '../../../src/student/model/hfFolder';
import {
  downloadHubFile,
  downloadHubRepo,
  type HubOptions,
  type HubProgress,
  hubCacheFolder,
} from '../../../src/student/model/hub';
import { initGpt2Weights } from '../../../src/student/model/init';
import { writeSafetensors } from '../../../src/student/model/safetensors';
import { FakeClock } from '../../helpers/fakeClock';
import { type HubServer, startHubServer } from '../../helpers/hubServer';
import { tempDir } from '../../helpers/tmp';

const REPO = 'tiny-org/tiny-gpt2';
const config = tinyGpt2Config({ vocabSize: 64 });
const weights = initGpt2Weights(config, { seed: 11 });
const files = new Map<string, Buffer>();
let hub: HubServer;

before(async () => {
  hub = await startHubServer();
  const source = mkdtempSync(path.join(os.tmpdir(), 'miniastrolm-hub-src-'));
  saveGpt2Folder(source, config, weights);
  for (const name of ['model.safetensors', 'config.json', 'generation_config.json']) {
    files.set(name, readFileSync(path.join(source, name)));
  }
  rmSync(source, { recursive: true, force: true });
  files.set('vocab.json', Buffer.from(JSON.stringify({ a: 0, b: 1, '<|endoftext|>': 63 })));
  files.set('merges.txt', Buffer.from('#version: 0.2\na b\n'));
  files.set('tokenizer.json', Buffer.from('{"model": {"type": "BPE"}}'));
  for (const [name, body] of files) hub.addFile(REPO, name, body, { lfs: name.endsWith('.safetensors') });
});
after(() => hub.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function options(cacheDir: string, extra: Partial<HubOptions> = {}): HubOptions & { clock: FakeClock } {
  return {
    repo: REPO,
    cacheDir,
    endpoint: hub.endpoint,
    env: {},
    clock: new FakeClock(),
    ...extra,
  } as HubOptions & {
    clock: FakeClock;
  };
}

/** Requests made while `fn` runs. */
async function during<T>(fn: () => Promise<T>): Promise<{ result: T; requests: HubServer['requests'] }> {
  const start = hub.requests.length;
  const result = await fn();
  return { result, requests: hub.requests.slice(start) };
}

async function rejectsWith(promise: Promise<unknown>, kind: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isMiniAstroError(error), `expected MiniAstroError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    for (const pattern of patterns) assert.match(error.message, pattern);
    assert.ok(error.hint.length > 0);
    return true;
  });
}

test('downloads every file (LFS through the CDN redirect), checks sha256, and the folder loads as GPT-2', async (t) => {
  const cacheDir = tempDir(t);
  const events: HubProgress[] = [];
  const { result, requests } = await during(() =>
    downloadHubRepo(options(cacheDir, { token: 'hf_secret', onProgress: (e) => events.push(e) })),
  );
  assert.equal(result.dir, hubCacheFolder(REPO, 'main', cacheDir));
  assert.equal(result.dir, path.join(cacheDir, 'tiny-org', 'tiny-gpt2', 'main'));
  assert.equal(result.commit, hub.commit);
  assert.deepEqual(result.missing, []);
  for (const [name, body] of files) {
    assert.deepEqual(readFileSync(path.join(result.dir, name)), body, name);
    const entry = result.files.find((f) => f.file === name);
    assert.equal(entry?.sha256, sha256(body), name);
    assert.equal(entry?.cached, false);
  }
  assert.equal(
    result.files.find((f) => f.file === 'model.safetensors')?.etag,
    sha256(files.get('model.safetensors')!),
  );
  assert.deepEqual(
    readdirSync(result.dir).filter((f) => f.endsWith('.partial')),
    [],
    'no partial files left',
  );

  const cdn = requests.filter((r) => r.stage === 'cdn');
  assert.deepEqual(
    cdn.map((r) => r.file),
    ['model.safetensors'],
  );
  assert.equal(cdn[0]?.authorization, undefined, 'the token is not sent to the CDN');
  assert.ok(
    requests.filter((r) => r.stage === 'resolve').every((r) => r.authorization === 'Bearer hf_secret'),
  );
  assert.ok(
    events.some(
      (e) =>
        e.type === 'progress' &&
        e.file === 'model.safetensors' &&
        e.total === files.get('model.safetensors')!.length,
    ),
  );
  assert.equal(events.filter((e) => e.type === 'done').length, files.size);

  const loaded = loadGpt2Folder(result.dir);
  assert.deepEqual(loaded.config, config);
  assert.deepEqual(
    loaded.weights.get('h.1.mlp.c_proj.weight')?.data,
    weights.get('h.1.mlp.c_proj.weight')?.data,
  );

  // Second run: everything is cached, nothing is requested, and the recorded hashes come back.
  const again = await during(() => downloadHubRepo(options(cacheDir)));
  assert.equal(again.requests.length, 0);
  assert.ok(again.result.files.every((f) => f.cached));
  assert.equal(
    again.result.files.find((f) => f.file === 'model.safetensors')?.sha256,
    sha256(files.get('model.safetensors')!),
  );
  assert.equal(again.result.commit, hub.commit);
});

test('a connection dropped mid-body resumes with a Range request and ends with the right sha256', async (t) => {
  const cacheDir = tempDir(t);
  hub.faults = [{ file: 'model.safetensors', fault: { kind: 'drop', afterBytes: 3000 } }];
  const events: HubProgress[] = [];
  const opts = options(cacheDir, { onProgress: (e) => events.push(e) });
  const { result, requests } = await during(() => downloadHubFile('model.safetensors', opts));
  const body = files.get('model.safetensors')!;
  assert.equal(result.sha256, sha256(body));
  assert.deepEqual(readFileSync(result.path), body);

  const cdn = requests.filter((r) => r.stage === 'cdn');
  assert.equal(cdn.length, 2);
  assert.equal(cdn[0]?.range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdn[1]?.range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 3000, `resumed at ${cdn[1]?.range}`);
  assert.equal(cdn[1]?.status, 206);
  const resolves = requests.filter((r) => r.stage === 'resolve');
  assert.equal(resolves[1]?.range, cdn[1]?.range, 'the retry starts again at the hub (CDN links expire)');
  assert.ok(events.some((e) => e.type === 'retry' && /cut off|closed/.test(e.reason)));
  assert.deepEqual(opts.clock.sleeps, [1000]);
});

test('a partial file left by an earlier run is resumed; one that is not a prefix of the file is replaced', async (t) => {
  const body = files.get('model.safetensors')!;
  const cacheDir = tempDir(t);
  const dir = hubCacheFolder(REPO, 'main', cacheDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.safetensors.partial'), body.subarray(0, 1234));
  const resumed = await during(() => downloadHubFile('model.safetensors', options(cacheDir)));
  assert.equal(resumed.result.sha256, sha256(body));
  assert.deepEqual(
    resumed.requests.filter((r) => r.stage === 'cdn').map((r) => r.range),
    ['bytes=1234-'],
  );

  const staleDir = tempDir(t);
  const stale = hubCacheFolder(REPO, 'main', staleDir);
  mkdirSync(stale, { recursive: true });
  writeFileSync(path.join(stale, 'model.safetensors.partial'), Buffer.alloc(500, 7)); // bytes of another revision
  const replaced = await during(() => downloadHubFile('model.safetensors', options(staleDir)));
  assert.equal(replaced.result.sha256, sha256(body));
  assert.deepEqual(
    replaced.requests.filter((r) => r.stage === 'cdn').map((r) => r.range),
    ['bytes=500-', undefined],
  );
});

test('a body that stalls is abandoned after the idle timeout and resumed', async (t) => {
  hub.faults = [{ file: 'model.safetensors', fault: { kind: 'stall', afterBytes: 4096 } }];
  const events: HubProgress[] = [];
  const opts = options(tempDir(t), { idleTimeoutMs: 150, onProgress: (e) => events.push(e) });
  const { result, requests } = await during(() => downloadHubFile('model.safetensors', opts));
  assert.equal(result.sha256, sha256(files.get('model.safetensors')!));
  assert.match(requests.filter((r) => r.stage === 'cdn')[1]?.range ?? '', /^bytes=\d+-$/);
  assert.ok(events.some((e) => e.type === 'retry' && /no data for 150 ms/.test(e.reason)));
});

test("aborting stops the download with the signal's reason and keeps the partial file for later", async (t) => {
  const cacheDir = tempDir(t);
  hub.faults = [{ file: 'model.safetensors', fault: { kind: 'stall', afterBytes: 4096 } }];
  const controller = new AbortController();
  const reason = new Error('user cancelled');
  const download = downloadHubFile(
    'model.safetensors',
    options(cacheDir, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'progress') controller.abort(reason);
      },
    }),
  );
  await assert.rejects(download, (error: unknown) => error === reason);
  hub.faults = [];
  const partial = path.join(hubCacheFolder(REPO, 'main', cacheDir), 'model.safetensors.partial');
  assert.ok(existsSync(partial));
  const { result, requests } = await during(() => downloadHubFile('model.safetensors', options(cacheDir)));
  assert.equal(result.sha256, sha256(files.get('model.safetensors')!));
  assert.match(requests.find((r) => r.stage === 'cdn')?.range ?? '', /^bytes=[1-9]\d*-$/);
});

test('a server that ignores Range (200 on resume) still gives the right file', async (t) => {
  hub.faults = [
    { file: 'model.safetensors', fault: { kind: 'drop', afterBytes: 2000 } },
    { file: 'model.safetensors', fault: { kind: 'ignoreRange' } },
  ];
  const { result, requests } = await during(() => downloadHubFile('model.safetensors', options(tempDir(t))));
  assert.equal(result.sha256, sha256(files.get('model.safetensors')!));
  assert.deepEqual(
    requests.filter((r) => r.stage === 'cdn').map((r) => r.status),
    [200, 200],
  );
});

test('503 once is retried after a backoff; 503 forever gives up with exponential waits', async (t) => {
  hub.faults = [{ file: 'config.json', fault: { kind: 'status', status: 503 } }];
  const once = options(tempDir(t));
  const { result, requests } = await during(() => downloadHubFile('config.json', once));
  assert.deepEqual(readFileSync(result.path), files.get('config.json'));
  assert.deepEqual(
    requests.map((r) => r.status),
    [503, 200],
  );
  assert.deepEqual(once.clock.sleeps, [1000]);

  hub.faults = [{ file: 'config.json', fault: { kind: 'status', status: 503 }, times: 100 }];
  const forever = options(tempDir(t), { maxRetries: 4 });
  await rejectsWith(
    downloadHubFile('config.json', forever),
    'remote',
    /config\.json: download failed after 5 attempts \(HTTP 503\)/,
  );
  assert.deepEqual(forever.clock.sleeps, [1000, 2000, 4000, 8000]);
  hub.faults = [];

  hub.faults = [{ file: 'vocab.json', fault: { kind: 'status', status: 429, retryAfter: '7' } }];
  const limited = options(tempDir(t));
  await downloadHubFile('vocab.json', limited);
  assert.deepEqual(limited.clock.sleeps, [7000], 'Retry-After is honoured');
});

test('a corrupted download fails its sha256 check, and nothing is left behind', async (t) => {
  const cacheDir = tempDir(t);
  hub.faults = [{ file: 'model.safetensors', fault: { kind: 'corrupt' }, times: 10 }];
  await rejectsWith(
    downloadHubFile('model.safetensors', options(cacheDir)),
    'remote',
    /model\.safetensors: downloaded file has sha256 [0-9a-f]{64}, but the hub says [0-9a-f]{64}; deleted it/,
  );
  hub.faults = [];
  const dir = hubCacheFolder(REPO, 'main', cacheDir);
  assert.equal(existsSync(path.join(dir, 'model.safetensors')), false);
  assert.equal(existsSync(path.join(dir, 'model.safetensors.partial')), false);
});

test('HF_ENDPOINT and HF_TOKEN come from the environment; a gated repo without a token is a clear error', async (t) => {
  hub.requireToken = 'hf_gate';
  try {
    await rejectsWith(
      downloadHubFile(
        'config.json',
        options(tempDir(t), { endpoint: undefined, env: { HF_ENDPOINT: hub.endpoint } }),
      ),
      'remote',
      /refused access \(HTTP 401\)/,
    );
    const { result, requests } = await during(() =>
      downloadHubFile(
        'config.json',
        options(tempDir(t), {
          endpoint: undefined,
          env: { HF_ENDPOINT: `${hub.endpoint}/`, HF_TOKEN: 'hf_gate' },
        }),
      ),
    );
    assert.deepEqual(readFileSync(result.path), files.get('config.json'));
    assert.equal(requests[0]?.authorization, 'Bearer hf_gate');
  } finally {
    hub.requireToken = undefined;
  }
});

test('missing files: optional ones are reported, required ones are errors; a sharded repo is fetched by its index', async (t) => {
  const other = 'tiny-org/sharded-gpt2';
  for (const name of ['config.json', 'vocab.json', 'merges.txt']) hub.addFile(other, name, files.get(name)!);
  const source = tempDir(t);
  const names = [...weights.keys()];
  const weightMap: Record<string, string> = {};
  [names.slice(0, 7), names.slice(7)].forEach((group, i) => {
    const shard = `model-0000${i + 1}-of-00002.safetensors`;
    const file = path.join(source, shard);
    writeSafetensors(
      file,
      group.map((name) => [`transformer.${name}`, weights.get(name)!] as const),
    );
    for (const name of group) weightMap[`transformer.${name}`] = shard;
    hub.addFile(other, shard, readFileSync(file), { lfs: true });
  });
  hub.addFile(other, 'model.safetensors.index.json', JSON.stringify({ metadata: {}, weight_map: weightMap }));

  const cacheDir = tempDir(t);
  const { result } = await during(() => downloadHubRepo(options(cacheDir, { repo: other })));
  assert.deepEqual(result.missing, ['tokenizer.json', 'generation_config.json']);
  assert.deepEqual(result.files.map((f) => f.file).sort(), [
    'config.json',
    'merges.txt',
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
    'model.safetensors.index.json',
    'vocab.json',
  ]);
  assert.deepEqual(
    loadGpt2Folder(result.dir).weights.get('wte.weight')?.data,
    weights.get('wte.weight')?.data,
  );
  // Cached: the sharded layout is recognised without asking for model.safetensors again.
  const again = await during(() => downloadHubRepo(options(cacheDir, { repo: other, optionalFiles: [] })));
  assert.equal(again.requests.length, 0);

  hub.removeFile(other, 'vocab.json');
  await rejectsWith(
    downloadHubRepo(options(tempDir(t), { repo: other })),
    'remote',
    /tiny-org\/sharded-gpt2@main: no vocab\.json/,
  );
  await rejectsWith(downloadHubRepo(options(tempDir(t), { repo: 'not a repo' })), 'badInput', /owner\/name/);
  await rejectsWith(
    downloadHubFile('../escape', options(tempDir(t))),
    'badInput',
    /not a path inside the repo/,
  );
});
