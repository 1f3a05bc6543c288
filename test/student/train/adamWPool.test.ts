// AdamW on every core: worker lanes get their tensors by transfer and give them back, and the update is bit for
// bit the one-thread update (same kernel source on every lane), over several steps, with views that cannot move.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParamSpec } from '../../../src/student/graph/gpt2';
import { AdamWPool, dealBySize } from '../../../src/student/train/adamWPool';
import { type AdamWSettings, adamWInPlace } from '../../../src/student/train/hostAdamW';
import type { OptimizerState } from '../../../src/student/train/state';
import { randn } from '../graph/helpers';

const SPECS: ParamSpec[] = [
  { name: 'wte', shape: [97, 16], decay: true },
  { name: 'w1', shape: [16, 48], decay: true },
  { name: 'b1', shape: [48], decay: false },
  { name: 'w2', shape: [48, 16], decay: true },
  { name: 'ln', shape: [16], decay: false },
];
const size = (s: ParamSpec) => s.shape.reduce((a, b) => a * b, 1);

function state(seed: number): OptimizerState {
  return {
    params: new Map(SPECS.map((s, i) => [s.name, Float32Array.from(randn(size(s), seed + i))])),
    m: new Map(SPECS.map((s) => [s.name, new Float32Array(size(s))])),
    v: new Map(SPECS.map((s) => [s.name, new Float32Array(size(s))])),
  };
}

function grads(step: number): Map<string, Float32Array> {
  return new Map(SPECS.map((s, i) => [s.name, Float32Array.from(randn(size(s), 100 * step + i))]));
}

const settings = (step: number): AdamWSettings => ({
  lr: 3e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.1,
  maxGradNorm: 1,
  step,
  gradScale: 0.5,
});

const bits = (m: Map<string, Float32Array>) =>
  Object.fromEntries(
    [...m].map(([k, a]) => [k, Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex')]),
  );

test('dealing by size balances the lanes, largest first, every index once', () => {
  const sizes = [5, 40, 1, 30, 20, 4];
  const lanes = dealBySize(sizes, 2);
  // 40 | 30, 20 | 5, 4, 1 to whichever holds fewer elements: 50 each.
  assert.deepEqual(lanes, [
    [1, 0, 5, 2],
    [3, 4],
  ]);
  assert.deepEqual([...lanes.flat()].sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(dealBySize([7], 3), [[0], [], []]);
});

for (const wasm of [true, false]) {
  test(`three lanes give bit for bit the one-thread update over five steps; moved tensors come back (${wasm ? 'WebAssembly' : 'JavaScript'} kernel)`, async (t) => {
    const pool = new AdamWPool(3, 0, wasm);
    t.after(() => pool.close());
    const alone = state(1);
    const pooled = state(1);
    // A view into a larger buffer cannot be transferred: it stays on this thread's lane.
    const shared = new Float32Array(size(SPECS[2]!) + 8);
    shared.set(pooled.params.get('b1')!, 4);
    pooled.params.set('b1', shared.subarray(4, 4 + size(SPECS[2]!)));
    let movedEver = new Set<string>();
    for (let step = 1; step <= 5; step++) {
      const normAlone = adamWInPlace(SPECS, alone, grads(step), settings(step));
      const { norm, moved } = await pool.step(SPECS, pooled, grads(step), settings(step));
      assert.equal(norm, normAlone);
      movedEver = new Set([...movedEver, ...moved]);
    }
    assert.ok(movedEver.size > 0, 'some tensors ran on workers');
    assert.ok(!movedEver.has('b1'), 'the view stayed on this thread');
    for (const key of ['params', 'm', 'v'] as const) assert.deepEqual(bits(pooled[key]), bits(alone[key]));
  });
}

test('below minElements the step stays on this thread (nothing moves)', async (t) => {
  const pool = new AdamWPool(2, 1 << 20);
  t.after(() => pool.close());
  const s = state(3);
  const before = s.params.get('w1');
  const { moved } = await pool.step(SPECS, s, grads(1), settings(1));
  assert.deepEqual(moved, []);
  assert.equal(s.params.get('w1'), before);
});
