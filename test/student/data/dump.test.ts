// --dump-batches: one HF-convention line per example, in training order, enough to recompute the loss elsewhere.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import {
  BatchLoader,
  buildExample,
  type DumpLine,
  IGNORE_INDEX,
  readBatchDump,
  writeBatchDump,
} from '../../../src/student/data';
import { tempDir } from '../../helpers/tmp';
import { options, row, shippedFormat } from './fixtures';

/** (context position, token it must predict) pairs under HF's internal shift: position t predicts labels[t + 1]. */
function predictions(line: DumpLine): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t + 1 < line.labels.length; t++) {
    const label = line.labels[t + 1]!;
    if (label !== IGNORE_INDEX) out.push([t, label]);
  }
  return out;
}

test('the dump holds each example unpadded, in batch order, with exactly its supervised tokens', (t) => {
  const format = shippedFormat();
  const examples = Array.from({ length: 10 }, (_, i) =>
    buildExample(
      format,
      row(`Abstract ${i}. ${'Words. '.repeat(i)}`, `Target ${i}.${' More.'.repeat(i)}`, `d-${i}`),
      options,
    ),
  );
  const loader = new BatchLoader(examples, { batchSize: 4, seed: 3, padToMultipleOf: 8 });
  const file = path.join(tempDir(t), 'sub', 'batches.jsonl');
  const result = writeBatchDump(file, loader.epochBatches(0));
  assert.deepEqual({ batches: result.batches, examples: result.examples }, { batches: 3, examples: 10 });
  assert.match(readFileSync(file, 'utf8'), /^\{"input_ids":\[\d/);
  const lines = readBatchDump(file);
  const order = loader.epochPlan(0).flat();
  assert.equal(lines.length, 10);
  let supervised = 0;
  lines.forEach((line, k) => {
    const e = examples[order[k]!]!;
    assert.deepEqual(line, { input_ids: [...e.inputIds], labels: [...e.labels] });
    const pairs = predictions(line);
    supervised += pairs.length;
    // The first supervised prediction is the first target token, made from the prompt's last token.
    assert.deepEqual(pairs[0], [e.promptTokens - 1, e.inputIds[e.promptTokens]]);
    assert.equal(pairs.length, e.targetTokens + 1);
  });
  assert.equal(supervised, result.supervisedTokens);
});

test('a malformed dump line is named', (t) => {
  const file = path.join(tempDir(t), 'bad.jsonl');
  writeBatchDump(file, []);
  assert.deepEqual(readBatchDump(file), []);
  writeFileSync(file, '{"input_ids":[1,2],"labels":[1]}\n');
  assert.throws(() => readBatchDump(file), /bad\.jsonl:1: expected \{"input_ids"/);
});

test('--dump-batches naming a folder is refused with exit 3 and leaves no temporary file', (t) => {
  const format = shippedFormat();
  const examples = [buildExample(format, row('An abstract.', 'A target.', 'f-1'), options)];
  const loader = new BatchLoader(examples, { batchSize: 1, seed: 0 });
  const dir = tempDir(t);
  const folder = path.join(dir, 'dumps');
  mkdirSync(folder);
  assert.throws(
    () => writeBatchDump(folder, loader.epochBatches(0)),
    (e: unknown) =>
      e instanceof MiniAstroError && e.exitCode === 3 && /--dump-batches .*dumps is a folder/.test(e.message),
  );
  assert.deepEqual(readdirSync(dir), ['dumps']);
  assert.deepEqual(readdirSync(folder), []);
});
