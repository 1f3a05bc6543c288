// The schedule's meaning: warmup reaches lr, cosine ends exactly at lr × minLrRatio; step counts from epochs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learningRateAt, plannedSteps } from '../../../src/student/config/schedule';
import { defaultTrainConfig } from '../../../src/student/config/trainConfig';

test('warmup then cosine to minLrRatio on the last step', () => {
  const schedule = { warmupSteps: 4, minLrRatio: 0.1 };
  const lr = 1e-3;
  const total = 20;
  const lrs = Array.from({ length: total }, (_, s) => learningRateAt(s, total, lr, schedule));
  assert.deepEqual(lrs.slice(0, 4), [2.5e-4, 5e-4, 7.5e-4, 1e-3]);
  assert.equal(lrs[4], lr);
  assert.ok(Math.abs(lrs[total - 1]! - lr * 0.1) < 1e-15);
  for (let s = 5; s < total; s++) assert.ok(lrs[s]! < lrs[s - 1]!, `not decreasing at ${s}`);
  assert.equal(learningRateAt(0, 10, lr, { warmupSteps: 0, minLrRatio: 0 }), lr);
});

test('planned steps: maxSteps wins, else epochs over accumulated micro-batches', () => {
  assert.equal(plannedSteps(defaultTrainConfig, 119), 179); // 3 × 119 micro-batches / 2
  assert.equal(plannedSteps({ ...defaultTrainConfig, maxSteps: 500 }, 119), 500);
});
