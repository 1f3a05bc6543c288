// The prefix mask end to end: the masked loss `loss` reports for a checkpoint equals the loss recomputed by an
// independent float64 GPT-2 in plain TypeScript from the dumped input_ids/labels, and the dumped labels are -100
// exactly on the prompt (the decoded prefix is the template around the abstract; the rest is the target + EOS).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readBatchDump } from '../../../src/student/data/dump';
import { loadGpt2Folder } from '../../../src/student/model/hfFolder';
import { defaultTokenizer, EOS_ID } from '../../../src/student/tokenizer';
import { checkpointLoss } from '../../../src/student/train/evaluate';
import { runTraining } from '../../../src/student/train/trainer';
import { runCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { referenceLoss } from '../graph/reference';
import { evalFile, tinyConfig } from './helpers';

test('loss of a checkpoint = plain-TS float64 recomputation from the dump; labels are -100 exactly on the prompt', async (t) => {
  const root = tempDir(t);
  const trained = await runTraining(tinyConfig(root, { maxSteps: 4, checkpointEvery: 4, evalEvery: 0 }), {
    sink: () => {},
  });
  const dumpFile = path.join(root, 'dump.jsonl');
  const result = await checkpointLoss({
    checkpoint: trained.checkpoint,
    dataFile: evalFile,
    batchSize: 2,
    dumpFile,
  });
  assert.equal(result.maxSeqLen, 64, "the training run's maxSeqLen, from trainer_state.json");

  const lines = readBatchDump(dumpFile);
  const rows = readFileSync(evalFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { abstract: string; target_explanation: string });
  assert.equal(lines.length, rows.length);
  const tokenizer = defaultTokenizer();
  lines.forEach((line, i) => {
    const k = line.labels.findIndex((l) => l !== -100);
    assert.ok(k > 0);
    assert.ok(
      line.labels.slice(k).every((l, j) => l === line.input_ids[k + j]),
      'supervised labels are the ids',
    );
    const prompt = tokenizer.decode(line.input_ids.slice(0, k));
    assert.ok(prompt.startsWith('Abstract:\n'), prompt);
    assert.ok(prompt.endsWith('\n\nExplanation:\n'), prompt);
    // The abstract may be cut to fit maxSeqLen 64, never the target.
    const abstract = prompt.slice('Abstract:\n'.length, -'\n\nExplanation:\n'.length);
    assert.ok(rows[i]!.abstract.startsWith(abstract));
    assert.equal(tokenizer.decode(line.input_ids.slice(k, -1)), rows[i]!.target_explanation);
    assert.equal(line.input_ids.at(-1), EOS_ID);
    assert.equal(line.labels.at(-1), EOS_ID, 'EOS is supervised');
  });

  const model = loadGpt2Folder(trained.checkpoint);
  const params = new Map([...model.weights].map(([name, w]) => [name, Float64Array.from(w.data)]));
  let sum = 0;
  let count = 0;
  for (const line of lines) {
    const r = referenceLoss(model.config, params, [line.input_ids], [line.labels]);
    sum += r.loss * r.count;
    count += r.count;
  }
  assert.equal(result.supervisedTokens, count);
  const reference = sum / count;
  t.diagnostic(`loss ${result.loss} vs float64 reference ${reference}`);
  assert.ok(Math.abs(result.loss - reference) < 1e-4 * reference, `${result.loss} vs ${reference}`);
  // The count is the prompt-masked one: every label that is not -100, after the shift.
  assert.equal(
    count,
    lines.reduce((n, l) => n + l.labels.slice(1).filter((x) => x !== -100).length, 0),
  );

  // The batch size changes nothing but rounding.
  const single = await checkpointLoss({ checkpoint: trained.checkpoint, dataFile: evalFile, batchSize: 1 });
  assert.ok(Math.abs(single.loss - result.loss) < 1e-5 * result.loss);

  // The verb (bundled CLI) prints the same numbers and writes the same dump.
  const cliDump = path.join(root, 'cli-dump.jsonl');
  const cli = await runCli([
    'loss',
    '--checkpoint',
    trained.checkpoint,
    '--data',
    evalFile,
    '--batch-size',
    '2',
    '--dump-batches',
    cliDump,
    '--json',
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.json?.['loss'], result.loss);
  assert.equal(cli.json?.['supervised_tokens'], result.supervisedTokens);
  assert.equal(readFileSync(cliDump, 'utf8'), readFileSync(dumpFile, 'utf8'));
});
