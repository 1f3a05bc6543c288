// Padding: right-padded with EOS, label -100, attention 0; rows intact; invariants checked at collation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asInt64,
  batchRow,
  buildExample,
  collate,
  type Example,
  IGNORE_INDEX,
  PAD_ID,
} from '../../../src/student/data';
import { EOS_ID } from '../../../src/student/tokenizer';
import { options, row, shippedFormat } from './fixtures';

function examples(): Example[] {
  const format = shippedFormat();
  return [
    buildExample(format, row('A short abstract.', 'A short answer.'), options),
    buildExample(
      format,
      row('A somewhat longer abstract, with more words in it.', 'A longer answer, too.'),
      options,
    ),
  ];
}

test('right padding with EOS ids, -100 labels and zero attention; labels -100 on prompt and padding', () => {
  const [a, b] = examples() as [Example, Example];
  const batch = collate([a, b], { padToMultipleOf: 8, maxSeqLen: 1024 });
  assert.equal(PAD_ID, EOS_ID);
  assert.equal(batch.batchSize, 2);
  assert.equal(batch.seqLen % 8, 0);
  assert.ok(batch.seqLen >= b.inputIds.length && batch.seqLen - b.inputIds.length < 8);
  assert.deepEqual(batch.exampleIds, [a.id, b.id]);
  for (const [r, e] of [a, b].entries()) {
    const at = r * batch.seqLen;
    const n = e.inputIds.length;
    assert.deepEqual([...batch.inputIds.subarray(at, at + n)], [...e.inputIds]);
    assert.deepEqual([...batch.labels.subarray(at, at + n)], [...e.labels]);
    assert.ok(batch.attentionMask.subarray(at, at + n).every((m) => m === 1));
    assert.ok(batch.inputIds.subarray(at + n, at + batch.seqLen).every((id) => id === PAD_ID));
    assert.ok(batch.labels.subarray(at + n, at + batch.seqLen).every((l) => l === IGNORE_INDEX));
    assert.ok(batch.attentionMask.subarray(at + n, at + batch.seqLen).every((m) => m === 0));
    // -100 exactly on prompt + padding.
    const ignored = [...batch.labels.subarray(at, at + batch.seqLen)].filter(
      (l) => l === IGNORE_INDEX,
    ).length;
    assert.equal(ignored, e.promptTokens + (batch.seqLen - n));
    assert.deepEqual(batchRow(batch, r), { inputIds: e.inputIds, labels: e.labels });
  }
  assert.equal(batch.supervisedTokens, a.targetTokens + 1 + b.targetTokens + 1);
  assert.deepEqual([...asInt64(batch.inputIds)], [...batch.inputIds].map(BigInt));
});

test('rounding never exceeds maxSeqLen; bad examples are refused at collation', () => {
  const [a] = examples() as [Example];
  assert.equal(
    collate([a], { padToMultipleOf: 1000, maxSeqLen: a.inputIds.length }).seqLen,
    a.inputIds.length,
  );
  assert.throws(() => collate([a], { maxSeqLen: a.inputIds.length - 1 }), /exceed maxSeqLen/);
  const silent: Example = { ...a, labels: new Int32Array(a.labels.length).fill(IGNORE_INDEX) };
  assert.throws(() => collate([a, silent]), /zero supervised tokens/);
  assert.throws(() => collate([]), /no examples/);
});
