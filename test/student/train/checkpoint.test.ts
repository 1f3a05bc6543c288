// Checkpoint folders: Hugging Face layout plus optimizer and trainer state, complete only with DONE; partial and
// temporary folders are ignored and cleaned; a tampered or unfinished checkpoint is refused; pruning keeps the
// newest complete ones.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gpt2Params } from '../../../src/student/graph/gpt2';
import { tinyGpt2Config } from '../../../src/student/model/config';
import { loadGpt2Folder } from '../../../src/student/model/hfFolder';
import { initGpt2Weights } from '../../../src/student/model/init';
import { readSafetensorsHeader } from '../../../src/student/model/safetensors';
import {
  checkpointDir,
  DONE_FILE,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  OPTIMIZER_FILE,
  pruneCheckpoints,
  removeStaleTemps,
  type SaveInput,
  STATE_FILE,
  saveCheckpoint,
} from '../../../src/student/train/checkpoint';
import { stateFromWeights } from '../../../src/student/train/state';
import { tempDir } from '../../helpers/tmp';

const config = tinyGpt2Config();
const specs = gpt2Params(config);

function input(step: number): SaveInput {
  const state = stateFromWeights(specs, initGpt2Weights(config, { seed: step }));
  state.m.get('wte.weight')![0] = 0.25;
  state.v.get('wte.weight')![0] = 0.5;
  return {
    config,
    shapes: new Map(specs.map((s) => [s.name, s.shape])),
    state,
    trainer: {
      format: 1,
      step,
      totalSteps: 100,
      dataOrder: { epoch: 1, index: 2 },
      dataFingerprint: 'f',
      configHash: 'h',
      trajectoryConfig: {},
      rng: null,
      promptTemplate: 'abstract-explanation-v1',
      maxSeqLen: 32,
      init: 'scratch',
      tokensSeen: 10,
      elapsedSec: 1,
      lossHistory: [{ step, loss: 1, lr: 1e-3 }],
      evalHistory: [],
    },
  };
}

test('a checkpoint is a Hugging Face GPT-2 folder + optimizer + trainer state + DONE, and loads back bit for bit', (t) => {
  const out = tempDir(t);
  const saved = saveCheckpoint(out, input(3));
  assert.equal(saved.dir, checkpointDir(out, 3));
  assert.deepEqual(readdirSync(out), ['checkpoint-3'], 'no temporary folder left');
  assert.deepEqual(readdirSync(saved.dir).sort(), [
    DONE_FILE,
    'config.json',
    'generation_config.json',
    'model.safetensors',
    OPTIMIZER_FILE,
    STATE_FILE,
  ]);
  const header = readSafetensorsHeader(path.join(saved.dir, 'model.safetensors'));
  assert.ok(
    header.entries.every((e) => e.name.startsWith('transformer.')),
    'GPT2LMHeadModel names',
  );
  assert.equal(loadGpt2Folder(saved.dir).config.nEmbd, config.nEmbd);
  const loaded = loadCheckpoint(saved.dir);
  const original = input(3);
  for (const [name, data] of original.state.params)
    assert.deepEqual(loaded.state.params.get(name), data, name);
  assert.equal(loaded.state.m.get('wte.weight')![0], 0.25);
  assert.equal(loaded.state.v.get('wte.weight')![0], 0.5);
  assert.deepEqual(loaded.trainer.dataOrder, { epoch: 1, index: 2 });
  assert.equal(loaded.trainer.weightsSha256, saved.weightsSha256);
});

test('resume reads the newest folder with DONE; partial folders and other names are ignored', (t) => {
  const out = tempDir(t);
  saveCheckpoint(out, input(2));
  saveCheckpoint(out, input(4));
  mkdirSync(checkpointDir(out, 6)); // a save that died before DONE
  writeFileSync(path.join(checkpointDir(out, 6), 'model.safetensors'), 'truncated');
  mkdirSync(path.join(out, 'checkpoint-final'));
  assert.deepEqual(
    listCheckpoints(out).map((c) => [c.step, c.done]),
    [
      [2, true],
      [4, true],
      [6, false],
    ],
  );
  assert.equal(latestCheckpoint(out)?.step, 4);
  assert.throws(() => loadCheckpoint(checkpointDir(out, 6)), /no DONE marker/);
  // Saving that step again replaces the partial folder.
  saveCheckpoint(out, input(6));
  assert.equal(latestCheckpoint(out)?.step, 6);
  assert.throws(() => saveCheckpoint(out, input(6)), /already exists and is complete/);
});

test('a tampered model.safetensors is refused; a failed save leaves no folder behind', (t) => {
  const out = tempDir(t);
  const saved = saveCheckpoint(out, input(1));
  const file = path.join(saved.dir, 'model.safetensors');
  const bytes = readFileSync(file);
  bytes[bytes.length - 1]! ^= 1;
  writeFileSync(file, bytes);
  assert.throws(() => loadCheckpoint(saved.dir), /does not match the sha256/);

  const broken = input(2);
  broken.state.params.delete('ln_f.bias');
  assert.throws(() => saveCheckpoint(out, broken), /Could not write checkpoint .*checkpoint-2/);
  assert.deepEqual(readdirSync(out), ['checkpoint-1']);
});

test('pruning keeps the newest complete checkpoints and drops stale partial and temporary folders', (t) => {
  const out = tempDir(t);
  for (const step of [1, 2, 3]) saveCheckpoint(out, input(step));
  mkdirSync(checkpointDir(out, 0));
  mkdirSync(checkpointDir(out, 9)); // newer than every complete one: maybe being written, kept
  const removed = pruneCheckpoints(out, 2);
  assert.deepEqual(removed.sort(), [checkpointDir(out, 0), checkpointDir(out, 1)].sort());
  assert.deepEqual(
    listCheckpoints(out).map((c) => c.step),
    [2, 3, 9],
  );
  const dead = path.join(out, '.checkpoint-5.99999999.tmp');
  const mine = path.join(out, `.checkpoint-5.${process.pid}.tmp`);
  mkdirSync(dead);
  mkdirSync(mine);
  assert.deepEqual(removeStaleTemps(out), [dead]);
  assert.ok(existsSync(mine));
  rmSync(mine, { recursive: true });
});
