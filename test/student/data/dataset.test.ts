// The whole path from a JSONL file and the training config to batches, with the report of what was left out.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { trainConfigFrom } from '../../../src/student/config/trainConfig';
import { BatchLoader, dataOptionsFrom, loadExamples } from '../../../src/student/data';
import { tempDir } from '../../helpers/tmp';
import { curatedLine, shippedFormat } from './fixtures';

test('config → examples → batches; skipped rows and too-long rows are reported', (t) => {
  const file = path.join(tempDir(t), 'train.jsonl');
  const long = 'A very long explanation sentence about galaxies. '.repeat(30);
  writeFileSync(
    file,
    [
      curatedLine({ id: 'ok-1' }),
      curatedLine({ id: 'ok-2', abstract: 'Another abstract.' }),
      curatedLine({ id: 'no', accepted: false }),
      curatedLine({ id: 'long', target_explanation: long }),
    ].join('\n'),
  );
  const config = trainConfigFrom({
    data: { maxSeqLen: 128, onBadRow: 'skip', truncation: { onTooLong: 'skip', minAbstractTokens: 8 } },
    batchSize: 2,
  });
  const options = dataOptionsFrom(config);
  const loaded = loadExamples(file, shippedFormat(), options.examples);
  assert.deepEqual(
    loaded.examples.map((e) => e.id),
    ['ok-1', 'ok-2'],
  );
  assert.deepEqual(
    loaded.badRows.map((b) => b.line),
    [3],
  );
  assert.deepEqual(
    loaded.tooLong.map((r) => [r.id, r.line]),
    [['long', 4]],
  );
  const evalBatches = [...new BatchLoader(loaded.examples, options.eval).epochBatches(0)];
  assert.deepEqual(evalBatches[0]?.exampleIds, ['ok-1', 'ok-2']);
  assert.equal(evalBatches[0]?.seqLen, 24);
});
