// Training checkpoints and run folders as model folders: the newest complete checkpoint is used, an interrupted
// one is refused, and the prompt template comes from trainer_state.json.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exportForInference, readManifest } from '../../../src/student/infer/export';
import { resolveWeightsDir } from '../../../src/student/infer/modelDir';
import { openInferenceModel } from '../../../src/student/infer/open';
import { saveGpt2Folder } from '../../../src/student/model';
import { tinyModelFolder } from './helpers';

function checkpoint(
  root: string,
  step: number,
  model: ReturnType<typeof tinyModelFolder>,
  done: boolean,
  template?: string,
) {
  const dir = path.join(root, 'run', `checkpoint-${step}`);
  saveGpt2Folder(dir, model.config, model.weights);
  writeFileSync(
    path.join(dir, 'trainer_state.json'),
    JSON.stringify({ format: 1, step, promptTemplate: template ?? 'abstract-explanation-v1' }),
  );
  if (done) writeFileSync(path.join(dir, 'DONE'), '');
  return dir;
}

test('a run folder resolves to its newest checkpoint with DONE; one without DONE is refused', async (t) => {
  const model = tinyModelFolder(t);
  const c10 = checkpoint(model.root, 10, model, true);
  const c20 = checkpoint(model.root, 20, model, true);
  const c30 = checkpoint(model.root, 30, model, false);
  const run = path.join(model.root, 'run');
  assert.equal(resolveWeightsDir(run), c20);
  assert.equal(resolveWeightsDir(c10), c10);
  assert.equal(resolveWeightsDir(model.dir), model.dir, 'a plain HF folder is itself');
  assert.throws(() => resolveWeightsDir(c30), { kind: 'badInput', message: /without its DONE marker/ });

  const opened = await openInferenceModel(run);
  assert.equal(opened.dir, c20);
  assert.equal(opened.kind, 'hf-folder');
  assert.equal(opened.promptTemplate, 'abstract-explanation-v1');
  await opened.release();
  await assert.rejects(openInferenceModel(c30), { kind: 'badInput' });

  const out = path.join(model.root, 'export');
  await exportForInference(run, out);
  assert.equal(readManifest(out).source.path, c20);
});

test('the prompt template recorded in trainer_state.json is the one used', async (t) => {
  const model = tinyModelFolder(t);
  const dir = checkpoint(model.root, 5, model, true, 'abstract-explanation-v0');
  // Only abstract-explanation-v1 exists: an unknown recorded name proves the file was read.
  await assert.rejects(openInferenceModel(dir), {
    kind: 'badInput',
    message: /Unknown prompt template "abstract-explanation-v0"/,
  });
  await assert.rejects(exportForInference(dir, path.join(model.root, 'e')), {
    message: /abstract-explanation-v0/,
  });
  const forced = await openInferenceModel(dir, { promptTemplate: 'abstract-explanation-v1' });
  assert.equal(forced.promptTemplate, 'abstract-explanation-v1');
  await forced.release();
});
