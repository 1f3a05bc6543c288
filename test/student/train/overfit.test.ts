// The end-to-end sanity check of the whole student path: one curated row, trained until its loss is below 0.05,
// must come back exactly under greedy decoding of its prompt, and stop with EOS.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PromptFormat, promptTemplate } from '../../../src/student/data/template';
import { defaultTokenizer, EOS_ID } from '../../../src/student/tokenizer';
import { loadCheckpoint } from '../../../src/student/train/checkpoint';
import { GreedyDecoder } from '../../../src/student/train/greedy';
import { runTraining } from '../../../src/student/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { collector, OVERFIT_ROW as ROW, tinyConfig } from './helpers';

test('one row trained to loss < 0.05 is reproduced exactly by greedy decoding, which stops at EOS', async (t) => {
  const root = tempDir(t);
  const file = path.join(root, 'one.jsonl');
  writeFileSync(file, `${JSON.stringify(ROW)}\n`);
  const config = tinyConfig(path.join(root, 'out'), {
    data: { trainFile: file, evalFile: null },
    optimizer: { lr: 1e-2, weightDecay: 0 },
    schedule: { warmupSteps: 0, minLrRatio: 1 },
    batchSize: 1,
    maxSteps: 200,
    checkpointEvery: 200,
  });
  const events = collector();
  let last = Number.POSITIVE_INFINITY;
  const outcome = await runTraining(config, {
    sink: (e) => {
      events.sink(e);
      if (e.type === 'step') last = e.loss;
    },
    shouldStop: () => last < 0.05,
  });
  assert.equal(outcome.reason, 'interrupted', 'stopped by the loss threshold before 200 steps');
  assert.ok(last < 0.05);
  t.diagnostic(`loss ${last.toFixed(4)} after ${outcome.step} steps`);

  const saved = loadCheckpoint(outcome.checkpoint);
  const format = new PromptFormat(defaultTokenizer(), promptTemplate('abstract-explanation-v1'));
  const prompt = format.promptIds(ROW.abstract).ids;
  const target = format.textIds(ROW.target_explanation);
  const decoder = await GreedyDecoder.open(saved.config, saved.state.params);
  try {
    const result = await decoder.decode(prompt, target.length + 10, EOS_ID);
    assert.deepEqual(result.ids, target);
    assert.equal(result.stoppedAtEos, true);
    assert.equal(defaultTokenizer().decode(result.ids), ROW.target_explanation);
  } finally {
    await decoder.release();
  }
});
