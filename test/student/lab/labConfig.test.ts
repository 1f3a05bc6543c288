// configs/experiments.yaml documents the built-in defaults exactly; wrong settings fail naming the key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainConfigFrom } from '../../../src/student/config/trainConfig';
import { defaultLabConfig, labConfigFrom, loadLabConfig } from '../../../src/student/lab/labConfig';

test('the shipped experiments.yaml equals the built-in defaults, and its train section is a valid config', () => {
  assert.deepEqual(loadLabConfig(), defaultLabConfig);
  const train = trainConfigFrom(defaultLabConfig.train);
  assert.equal(train.model.init, 'scratch');
  assert.ok(train.data.maxSeqLen <= train.model.config.nPositions);
});

test('bad settings are refused with the key that is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [{ 'memorize-20': { rows: 5, minExact: 6 } }, /memorize-20\.minExact: must not exceed/],
    [{ decoding: { rows: 4, heldOut: 4 } }, /decoding\.heldOut: must be below/],
    [{ decoding: { settings: [] } }, /decoding\.settings: expected a non-empty list/],
    [{ decoding: { settings: [{ name: 'a' }, { name: 'a' }] } }, /names must differ/],
    [
      { decoding: { settings: [{ name: 'a', repetitionPenalty: 0.5 }] } },
      /decoding\.settings\[0\]\.repetitionPenalty: expected a number between 1 and 10/,
    ],
    [{ 'overfit-1': { step: 3 } }, /overfit-1\.step: unknown key/],
    [{ train: { modle: {} } }, /train\.modle: unknown key/],
  ];
  for (const [parsed, message] of cases) assert.throws(() => labConfigFrom(parsed), message);
  const partial = labConfigFrom({ 'overfit-1': { steps: 7 } });
  assert.equal(partial.overfit1.steps, 7);
  assert.equal(partial.overfit1.maxLoss, defaultLabConfig.overfit1.maxLoss);
});
