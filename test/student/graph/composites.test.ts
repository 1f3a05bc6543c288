// Composite ops (LayerNorm, GELU, chunked LM-head logsumexp): values against direct formulas and their
// hand-derived gradients against finite differences, including uneven vocabulary chunks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geluNew } from '../../../src/student/graph/composites/gelu';
import { layerNorm } from '../../../src/student/graph/composites/layerNorm';
import { chunkedLogSumExp, chunkRanges } from '../../../src/student/graph/composites/lmHead';
import { Graph } from '../../../src/student/graph/ir';
import { openSession } from '../../../src/student/graph/session';
import { f64, gradCheck, numbers, randn, run, weightedSum } from './helpers';

test('chunkRanges covers the rows in near-equal pieces', () => {
  assert.deepEqual(chunkRanges(7, 3), [
    [0, 3],
    [3, 5],
    [5, 7],
  ]);
  assert.deepEqual(chunkRanges(4, 9), [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
  ]);
  assert.deepEqual(chunkRanges(50257, 6).at(-1), [41881, 50257]);
});

test('LayerNorm, GELU and chunked logsumexp compute their formulas', async () => {
  const g = new Graph();
  const x = g.input('x', 'float64', [3, 5]);
  const gamma = g.input('gamma', 'float64', [5]);
  const beta = g.input('beta', 'float64', [5]);
  const w = g.input('w', 'float64', [7, 5]);
  g.output(layerNorm(x, gamma, beta, 1e-5), 'ln');
  g.output(geluNew(x), 'gelu');
  g.output(chunkedLogSumExp(x, w, 3), 'lse');
  const xs = randn(15, 1, 2);
  const gs = randn(5, 2);
  const bs = randn(5, 3);
  const ws = randn(35, 4);
  const out = await run(await openSession(g), {
    x: f64(xs, [3, 5]),
    gamma: f64(gs, [5]),
    beta: f64(bs, [5]),
    w: f64(ws, [7, 5]),
  });
  const ln = numbers(out['ln']);
  const gelu = numbers(out['gelu']);
  const lse = numbers(out['lse']);
  for (let r = 0; r < 3; r++) {
    const row = [...xs.subarray(r * 5, r * 5 + 5)];
    const mean = row.reduce((a, b) => a + b) / 5;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 5;
    row.forEach((v, c) => {
      assert.ok(
        Math.abs(ln[r * 5 + c]! - ((v - mean) / Math.sqrt(variance + 1e-5)) * gs[c]! - bs[c]!) < 1e-13,
      );
      const want = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
      assert.ok(Math.abs(gelu[r * 5 + c]! - want) < 1e-14);
    });
    const logits = Array.from({ length: 7 }, (_, k) => row.reduce((a, v, c) => a + v * ws[k * 5 + c]!, 0));
    const m = Math.max(...logits);
    const want = m + Math.log(logits.reduce((a, l) => a + Math.exp(l - m), 0));
    assert.ok(Math.abs(lse[r]! - want) < 1e-13);
  }
});

test('LayerNorm gradient (x, gamma, beta over [2,3,5]) matches finite differences', async (t) => {
  const result = await gradCheck({
    build: (g) => {
      const x = g.input('x', 'float64', [2, 3, 5]);
      return weightedSum(
        layerNorm(x, g.input('gamma', 'float64', [5]), g.input('beta', 'float64', [5]), 1e-5),
      );
    },
    feeds: { x: f64(randn(30, 5, 2), [2, 3, 5]), gamma: f64(randn(5, 6), [5]), beta: f64(randn(5, 7), [5]) },
    wrt: ['x', 'gamma', 'beta'],
  });
  t.diagnostic(`max relative error ${result.maxRelError.toExponential(2)}`);
  assert.ok(result.maxRelError < 1e-7, JSON.stringify(result.perTensor));
});

for (const chunks of [1, 3, 7]) {
  test(`chunked logsumexp gradient with ${chunks} vocabulary chunk(s) matches finite differences`, async (t) => {
    const result = await gradCheck({
      build: (g) =>
        weightedSum(
          chunkedLogSumExp(g.input('h', 'float64', [4, 5]), g.input('w', 'float64', [7, 5]), chunks),
        ),
      feeds: { h: f64(randn(20, 8, 2), [4, 5]), w: f64(randn(35, 9), [7, 5]) },
      wrt: ['h', 'w'],
    });
    t.diagnostic(`max relative error ${result.maxRelError.toExponential(2)}`);
    assert.ok(result.maxRelError < 1e-7, JSON.stringify(result.perTensor));
  });
}
