// Where a run's first weights come from: `gpt2` downloads openai-community/gpt2 into the hub cache once (here
// from a loopback hub serving a tiny GPT-2 under that name) and trains from it; a local Hugging Face folder
// (e.g. an earlier checkpoint) trains as it is.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GPT2_SMALL } from '../../../src/student/config/trainConfig';
import { saveGpt2Folder } from '../../../src/student/model/hfFolder';
import { initGpt2Weights } from '../../../src/student/model/init';
import { scratchConfig } from '../../../src/student/train/modelInit';
import { runTraining } from '../../../src/student/train/trainer';
import { type HubServer, startHubServer } from '../../helpers/hubServer';
import { tempDir } from '../../helpers/tmp';
import { collector, tinyConfig } from './helpers';

const TINY_SHAPE = { nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 64, vocabSize: 50257 };
let hub: HubServer;

before(async () => {
  hub = await startHubServer();
  const source = mkdtempSync(path.join(os.tmpdir(), 'miniastrolm-gpt2-'));
  const config = scratchConfig(TINY_SHAPE);
  saveGpt2Folder(source, config, initGpt2Weights(config, { seed: 3 }));
  for (const name of ['model.safetensors', 'config.json', 'generation_config.json']) {
    hub.addFile('openai-community/gpt2', name, readFileSync(path.join(source, name)), {
      lfs: name.endsWith('.safetensors'),
    });
  }
  hub.addFile('openai-community/gpt2', 'vocab.json', '{}');
  hub.addFile('openai-community/gpt2', 'merges.txt', '#version: 0.2\n');
  rmSync(source, { recursive: true, force: true });
});
after(() => hub.close());

test('init: gpt2 downloads into the cache once; a local folder trains as it is', async (t) => {
  const root = tempDir(t);
  const hubOptions = { endpoint: hub.endpoint, cacheDir: path.join(root, 'cache'), env: {} };
  const pretrained = {
    model: { init: 'gpt2', config: GPT2_SMALL },
    maxSteps: 2,
    checkpointEvery: 2,
    evalEvery: 0,
  };
  const first = collector();
  const outcome = await runTraining(tinyConfig(path.join(root, 'a'), pretrained), {
    sink: first.sink,
    hub: hubOptions,
  });
  assert.equal(first.of('start')[0]?.init, 'gpt2');
  assert.match(first.of('note')[0]?.message ?? '', /Downloading openai-community\/gpt2/);
  const downloads = () =>
    hub.requests.filter((r) => r.file === 'model.safetensors' && r.stage === 'cdn').length;
  assert.equal(downloads(), 1);
  await runTraining(tinyConfig(path.join(root, 'b'), pretrained), { sink: () => {}, hub: hubOptions });
  assert.equal(downloads(), 1, 'the second run reads the cache');

  const local = collector();
  await runTraining(
    tinyConfig(path.join(root, 'c'), {
      ...pretrained,
      model: { init: outcome.checkpoint, config: GPT2_SMALL },
    }),
    { sink: local.sink },
  );
  assert.equal(local.of('start')[0]?.init, outcome.checkpoint);
  assert.equal(local.of('start')[0]?.parameters, first.of('start')[0]?.parameters);
  assert.ok(local.of('step')[0]!.loss < first.of('step')[0]!.loss, 'it starts from the trained weights');
});
