// LoRA through the bundled CLI (dist/cli.js; `npm test` builds it first): `train --config` with lora.enabled
// overfits one row on frozen base weights, then `explain` on the run folder and on its `export-model` folder
// (adapters merged, plain GPT-2) both reproduce the row's explanation.

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { initGpt2Weights, saveGpt2Folder, tinyGpt2Config } from '../../../src/student/model';
import { EOS_ID } from '../../../src/student/tokenizer';
import type { TrainEvent } from '../../../src/student/train/events';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { OVERFIT_ROW } from './helpers';

const ROW = { ...OVERFIT_ROW, id: 'lora-overfit-1' };

test('train --config with lora.enabled overfits one row; explain and export-model use the merged weights', async (t) => {
  const root = tempDir(t);
  // A random base with a wide initializer (0.3): GPT-2's 0.02 makes tied-head logits too small for a frozen
  // head to fit anything, which is a property of the random base, not of the adapters.
  const base = path.join(root, 'base');
  const config = tinyGpt2Config({
    vocabSize: 50257,
    nPositions: 128,
    nEmbd: 64,
    bosTokenId: EOS_ID,
    eosTokenId: EOS_ID,
    initializerRange: 0.3,
  });
  saveGpt2Folder(base, config, initGpt2Weights(config, { seed: 3 }));
  const data = path.join(root, 'one.jsonl');
  writeFileSync(data, `${JSON.stringify(ROW)}\n`);
  const out = path.join(root, 'run');
  const yaml = path.join(root, 'lora.yaml');
  writeFileSync(
    yaml,
    stringify({
      model: { init: base },
      data: { trainFile: data, evalFile: null, maxSeqLen: 128 },
      optimizer: { lr: 1.0e-2, weightDecay: 0 },
      schedule: { warmupSteps: 0, minLrRatio: 1 },
      batchSize: 1,
      gradAccumSteps: 1,
      maxSteps: 80,
      seed: 7,
      evalEvery: 0,
      checkpointEvery: 40,
      keepCheckpoints: 1,
      outputDir: out,
      device: 'cpu',
      lora: { enabled: true, rank: 8, alpha: 16, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] },
    }),
  );
  const trained = await runCli(['train', '--config', yaml, '--json']);
  assert.equal(trained.code, 0, trained.stderr);
  const events = trained.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TrainEvent);
  const losses = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
  const done = events.at(-1)!;
  assert.equal(done.type, 'done');
  t.diagnostic(
    `LoRA overfit via the CLI: loss ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(4)} in 80 steps`,
  );
  assert.ok(losses.at(-1)! < 0.1 && losses.at(-1)! < losses[0]! / 50, `${losses.at(-1)}`);
  assert.match(JSON.stringify(events.filter((e) => e.type === 'note')), /LoRA rank 8/);
  const checkpoint = path.join(out, 'checkpoint-80');
  for (const f of [
    'model.safetensors',
    'adapter_model.safetensors',
    'adapter_config.json',
    'optimizer.safetensors',
  ]) {
    assert.ok(existsSync(path.join(checkpoint, f)), f);
  }

  const explain = (model: string) =>
    runCli(['explain', '--model', model, '--abstract', ROW.abstract, '--max-new-tokens', '40', '--json']);
  const fromRun = await explain(out);
  assert.equal(fromRun.code, 0, fromRun.stderr);
  assert.equal(fromRun.json?.['explanation'], ROW.target_explanation);

  const exportDir = path.join(root, 'export');
  const exported = await runCli(['export-model', '--model', out, '--out', exportDir, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const fromExport = await explain(exportDir);
  assert.equal(fromExport.code, 0, fromExport.stderr);
  assert.equal(fromExport.json?.['explanation'], ROW.target_explanation);
});
