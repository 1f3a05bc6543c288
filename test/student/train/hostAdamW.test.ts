// The CPU's in-place AdamW against the torch transcription (clipping on and off, decay only where flagged, a
// gradient scale), and against the in-graph AdamW it replaces on the CPU, both in float32.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildLossGraph } from '../../../src/student/graph/loss';
import { openSession, ortTensor } from '../../../src/student/graph/session';
import { buildAdamWGraph, HYPERPARAMETERS } from '../../../src/student/graph/train_step';
import { adamWInPlace, gradientNorm } from '../../../src/student/train/hostAdamW';
import type { OptimizerState } from '../../../src/student/train/state';
import { randn, run } from '../graph/helpers';
import { idFeed, paramFeeds, randomIds, randomParams, TINY } from '../graph/reference';
import { ADAMW_SPECS, type Hyper, referenceSteps, torchAdamW } from '../torchAdamW';

const SPECS = ADAMW_SPECS;
const sizes = SPECS.map((s) => s.shape.reduce((a, b) => a * b, 1));

function state(seed: number): OptimizerState {
  return {
    params: new Map(SPECS.map((s, i) => [s.name, Float32Array.from(randn(sizes[i]!, seed + i))])),
    m: new Map(SPECS.map((s, i) => [s.name, new Float32Array(sizes[i]!)])),
    v: new Map(SPECS.map((s, i) => [s.name, new Float32Array(sizes[i]!)])),
  };
}

const settings = (h: Hyper, gradScale: number) => ({
  lr: h.lr,
  beta1: h.beta1,
  beta2: h.beta2,
  eps: h.eps,
  weightDecay: h.weight_decay,
  maxGradNorm: h.max_grad_norm,
  step: h.step,
  gradScale,
});

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
  return worst;
}

test('in-place AdamW equals torch AdamW over three steps, clipping on and off, decay only on matrices', () => {
  const s = state(10);
  let ref = {
    p: SPECS.map((x) => [...s.params.get(x.name)!]),
    m: sizes.map((n) => new Array<number>(n).fill(0)),
    v: sizes.map((n) => new Array<number>(n).fill(0)),
  };
  for (const h of referenceSteps()) {
    const { step } = h;
    const grads = sizes.map((n, i) => Float32Array.from(randn(n, 100 * step + i, 2)));
    const scaled = grads.map((g) => [...g].map((x) => x * 0.5));
    const expected = torchAdamW(ref.p, scaled, ref.m, ref.v, h, [true, false]);
    const norm = adamWInPlace(SPECS, s, new Map(SPECS.map((x, i) => [x.name, grads[i]!])), settings(h, 0.5));
    assert.ok(Math.abs(norm - expected.norm) < 1e-6 * expected.norm, `norm ${norm} vs ${expected.norm}`);
    SPECS.forEach((x, i) => {
      assert.ok(maxRelDiff(s.params.get(x.name)!, expected.p[i]!) < 1e-6, `${x.name} step ${step}`);
      assert.ok(maxRelDiff(s.m.get(x.name)!, expected.m[i]!) < 1e-6);
      assert.ok(maxRelDiff(s.v.get(x.name)!, expected.v[i]!) < 1e-6);
    });
    // The next step starts from what was stored (float32), as a run does.
    ref = {
      p: SPECS.map((x) => [...s.params.get(x.name)!]),
      m: SPECS.map((x) => [...s.m.get(x.name)!]),
      v: SPECS.map((x) => [...s.v.get(x.name)!]),
    };
  }
});

test('in-place AdamW agrees with the float32 AdamW graph the GPU devices run', async () => {
  const session = await openSession(buildAdamWGraph(SPECS, 'float32'));
  const host = state(3);
  const viaGraph = state(3);
  const h: Hyper = {
    lr: 3e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weight_decay: 0.01,
    max_grad_norm: 1,
    step: 1,
  };
  for (let step = 1; step <= 4; step++) {
    const grads = new Map(
      SPECS.map((x, i) => [x.name, Float32Array.from(randn(sizes[i]!, 7 * step + i, 3))]),
    );
    adamWInPlace(SPECS, host, grads, settings({ ...h, step }, 0.25));
    const feeds: Record<string, ReturnType<typeof ortTensor>> = {
      grad_scale: ortTensor('float32', Float32Array.of(0.25), []),
    };
    for (const name of HYPERPARAMETERS) {
      feeds[name] = ortTensor(
        'float32',
        Float32Array.of(name === 'step' ? step : (h as unknown as Record<string, number>)[name]!),
        [],
      );
    }
    for (const x of SPECS) {
      feeds[x.name] = ortTensor('float32', viaGraph.params.get(x.name)!, x.shape);
      feeds[`grad.${x.name}`] = ortTensor('float32', grads.get(x.name)!, x.shape);
      feeds[`adam_m.${x.name}`] = ortTensor('float32', viaGraph.m.get(x.name)!, x.shape);
      feeds[`adam_v.${x.name}`] = ortTensor('float32', viaGraph.v.get(x.name)!, x.shape);
    }
    const out = await session.run(feeds);
    const norm = Number((out['grad_norm']!.data as Float32Array)[0]);
    assert.ok(Math.abs(norm - gradientNorm(grads, 0.25)) < 1e-5 * norm);
    for (const x of SPECS) {
      viaGraph.params.set(x.name, out[`new.${x.name}`]!.data as Float32Array);
      viaGraph.m.set(x.name, out[`new.adam_m.${x.name}`]!.data as Float32Array);
      viaGraph.v.set(x.name, out[`new.adam_v.${x.name}`]!.data as Float32Array);
    }
  }
  for (const x of SPECS)
    assert.ok(maxRelDiff(host.params.get(x.name)!, viaGraph.params.get(x.name)!) < 1e-5, x.name);
  await session.release();
});

test('a missing gradient is an error, not a silent skip', () => {
  const s = state(1);
  const h: Hyper = {
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weight_decay: 0,
    max_grad_norm: 1,
    step: 1,
  };
  assert.throws(
    () => adamWInPlace(SPECS, s, new Map([['w', new Float32Array(12)]]), settings(h, 1)),
    /no gradient for b/,
  );
});

test("the gradients graph's grad_sq is the sum of squares of its gradient outputs", async () => {
  const { graph, params } = buildLossGraph(TINY, { dtype: 'float64', reduction: 'mean', gradSquares: true });
  const session = await openSession(graph);
  const ids = idFeed(randomIds(2, 6, TINY.vocabSize, 5));
  const out = await run(session, { ...paramFeeds(TINY, randomParams(TINY, 9)), input_ids: ids, labels: ids });
  let expected = 0;
  for (const p of params) for (const x of out[`grad.${p.name}`]!.data as Float64Array) expected += x * x;
  const got = Number((out['grad_sq']!.data as Float64Array)[0]);
  assert.ok(expected > 0);
  assert.ok(Math.abs(got - expected) <= 1e-12 * expected, `${got} vs ${expected}`);
  await session.release();
});
