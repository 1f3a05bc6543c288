// The optimizer graphs: AdamW and clipping against a direct TypeScript transcription of torch.optim.AdamW and
// clip_grad_norm_; the fused step against loss graph + optimizer graph; and micro-batch accumulation against
// one big batch. Also reports the time of one fused training step at the tiny config.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gpt2Params } from '../../../src/student/graph/gpt2';
import { buildLossGraph } from '../../../src/student/graph/loss';
import { openSession } from '../../../src/student/graph/session';
import { buildAdamWGraph, buildTrainStepGraph } from '../../../src/student/graph/train_step';
import { ADAMW_SPECS, type Hyper, referenceSteps, torchAdamW } from '../torchAdamW';
import { type Feed, f64, numbers, randn, run } from './helpers';
import { idFeed, paramFeeds, randomIds, randomParams, TINY } from './reference';

const SPECS = ADAMW_SPECS;

const scalar = (v: number): Feed => f64(Float64Array.of(v), []);
const hyperFeeds = (h: Hyper) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, scalar(v)]));

test('AdamW graph equals torch AdamW with clipping on and off, decay only on matrices', async () => {
  const session = await openSession(buildAdamWGraph(SPECS, 'float64'));
  const sizes = SPECS.map((s) => s.shape.reduce((a, b) => a * b, 1));
  let p = sizes.map((n, i) => [...randn(n, 10 + i)]);
  let m = sizes.map((n) => new Array<number>(n).fill(0));
  let v = sizes.map((n) => new Array<number>(n).fill(0));
  for (const h of referenceSteps()) {
    const grads = sizes.map((n, i) => [...randn(n, 100 * h.step + i, 2)]);
    const feeds: Record<string, Feed> = { ...hyperFeeds(h), grad_scale: scalar(0.5) };
    SPECS.forEach((s, i) => {
      feeds[s.name] = f64(Float64Array.from(p[i]!), s.shape);
      feeds[`grad.${s.name}`] = f64(Float64Array.from(grads[i]!), s.shape);
      feeds[`adam_m.${s.name}`] = f64(Float64Array.from(m[i]!), s.shape);
      feeds[`adam_v.${s.name}`] = f64(Float64Array.from(v[i]!), s.shape);
    });
    const out = await run(session, feeds);
    const half = grads.map((r) => r.map((x) => x * 0.5));
    const want = torchAdamW(
      p,
      half,
      m,
      v,
      h,
      SPECS.map((s) => s.decay),
    );
    assert.ok(Math.abs(numbers(out['grad_norm'])[0]! - want.norm) < 1e-12);
    SPECS.forEach((s, i) => {
      for (const [key, ref] of [
        [`new.${s.name}`, want.p[i]!],
        [`new.adam_m.${s.name}`, want.m[i]!],
        [`new.adam_v.${s.name}`, want.v[i]!],
      ] as const) {
        const got = numbers(out[key]);
        got.forEach((x, j) => {
          assert.ok(Math.abs(x - ref[j]!) < 1e-12, `step ${h.step} ${key}[${j}]: ${x} vs ${ref[j]}`);
        });
      }
    });
    p = want.p;
    m = want.m;
    v = want.v;
  }
});

const HYPER: Hyper = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weight_decay: 0.01,
  max_grad_norm: 1,
  step: 1,
};

function zeroState(prefix: string): Record<string, Feed> {
  return Object.fromEntries(
    gpt2Params(TINY).map((s) => [
      `${prefix}.${s.name}`,
      f64(new Float64Array(s.shape.reduce((a, b) => a * b, 1)), s.shape),
    ]),
  );
}

test('fused train step = loss graph then AdamW graph; two accumulated micro-batches = one batch', async (t) => {
  const params = paramFeeds(TINY, randomParams(TINY, 4));
  const ids = randomIds(4, 6, TINY.vocabSize, 8);
  const labels = ids.map((row, b) => row.map((id, i) => (i < 1 + (b % 3) ? -100 : id)));
  const state = { ...zeroState('adam_m'), ...zeroState('adam_v'), ...hyperFeeds(HYPER) };

  const fused = await openSession(buildTrainStepGraph(TINY, { dtype: 'float64', vocabChunks: 2 }));
  const whole = await run(fused, { ...params, ...state, input_ids: idFeed(ids), labels: idFeed(labels) });

  // Micro-batches of 2 rows: summed loss, gradients accumulated through the acc.* inputs.
  const micro = await openSession(
    buildLossGraph(TINY, { dtype: 'float64', vocabChunks: 2, reduction: 'sum', accumulate: true }).graph,
  );
  let acc = zeroState('acc');
  let tokens = 0;
  let lossSum = 0;
  for (const rows of [
    [0, 2],
    [2, 4],
  ] as const) {
    const out = await run(micro, {
      ...params,
      ...acc,
      input_ids: idFeed(ids.slice(...rows)),
      labels: idFeed(labels.slice(...rows)),
    });
    tokens += numbers(out['token_count'])[0]!;
    lossSum += numbers(out['loss'])[0]!;
    acc = Object.fromEntries(
      gpt2Params(TINY).map((s) => [
        `acc.${s.name}`,
        f64(out[`grad.${s.name}`]!.data as Float64Array, s.shape),
      ]),
    );
  }
  assert.equal(tokens, numbers(whole['token_count'])[0]);
  assert.ok(Math.abs(lossSum / tokens - numbers(whole['loss'])[0]!) < 1e-12);
  const grads = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k.replace(/^acc\./, 'grad.'), v]));
  const optimizer = await openSession(buildAdamWGraph(gpt2Params(TINY), 'float64'));
  const stepped = await run(optimizer, { ...params, ...grads, ...state, grad_scale: scalar(1 / tokens) });
  assert.ok(Math.abs(numbers(stepped['grad_norm'])[0]! - numbers(whole['grad_norm'])[0]!) < 1e-10);
  let worst = 0;
  for (const key of Object.keys(stepped)) {
    const a = numbers(stepped[key]);
    const b = numbers(whole[key]);
    a.forEach((x, i) => {
      worst = Math.max(worst, Math.abs(x - b[i]!));
    });
  }
  t.diagnostic(`max |Δ| accumulated vs single batch: ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-10);
});

test('timing: one fused float32 training step at the tiny config', async (t) => {
  const session = await openSession(buildTrainStepGraph(TINY, { dtype: 'float32' }));
  const f32 = (feeds: Record<string, Feed>) =>
    Object.fromEntries(
      Object.entries(feeds).map(([k, v]) => [
        k,
        v.dtype === 'float64'
          ? { ...v, dtype: 'float32' as const, data: Float32Array.from(v.data as Float64Array) }
          : v,
      ]),
    );
  const ids = randomIds(2, 5, TINY.vocabSize, 1);
  const feeds = f32({
    ...paramFeeds(TINY, randomParams(TINY, 5)),
    ...zeroState('adam_m'),
    ...zeroState('adam_v'),
    ...hyperFeeds(HYPER),
    input_ids: idFeed(ids),
    labels: idFeed(ids),
  });
  await run(session, feeds);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    const out = await run(session, feeds);
    times.push(performance.now() - start);
    assert.ok(Number.isFinite(numbers(out['loss'])[0]));
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`median fused step (B=2, T=5, float32): ${times[10]!.toFixed(2)} ms`);
});
