// The training loop in-process on a tiny GPT-2 (2 layers, 32 wide, GPT-2's vocabulary): resuming is bit-identical
// to not stopping, with and without gradient accumulation; a NaN stops the run with the last good checkpoint
// intact; runs that cannot start say why (existing run, changed config, CUDA missing). LoRA: lora.test.ts.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { gpt2Params } from '../../../src/student/graph/gpt2';
import { openSession } from '../../../src/student/graph/session';
import { buildTrainStepGraph } from '../../../src/student/graph/train_step';
import { latestCheckpoint, loadCheckpoint, sha256File } from '../../../src/student/train/checkpoint';
import { CUDA_HINT } from '../../../src/student/train/device';
import { buildCustomStepGraph } from '../../../src/student/train/graphs';
import { runTraining } from '../../../src/student/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { type f64, numbers, randn, run } from '../graph/helpers';
import { idFeed, paramFeeds, randomIds, randomParams, TINY } from '../graph/reference';
import { collector, tinyConfig } from './helpers';

const weightsHash = (dir: string) => sha256File(path.join(dir, 'model.safetensors'));

test('10 steps + resume + 10 steps = 20 uninterrupted steps, bit for bit (fused step)', async (t) => {
  const root = tempDir(t);
  const whole = collector();
  const straight = await runTraining(tinyConfig(path.join(root, 'a')), { sink: whole.sink });
  assert.equal(straight.reason, 'completed');
  assert.equal(straight.step, 20);

  const config = tinyConfig(path.join(root, 'b'));
  const first = collector();
  const stopped = await runTraining(config, { sink: first.sink, stopAtStep: 10 });
  assert.equal(stopped.reason, 'interrupted');
  assert.equal(stopped.step, 10);
  assert.deepEqual(first.of('done')[0]?.resumable, true);
  const second = collector();
  const resumed = await runTraining(config, { sink: second.sink, resume: true });
  const start = second.of('start')[0]!;
  assert.equal(start.step, 10);
  assert.equal(start.resumedFrom, path.join(root, 'b', 'checkpoint-10'));
  assert.equal(second.of('step')[0]!.step, 11);
  assert.equal(resumed.step, 20);

  assert.equal(resumed.weightsSha256, straight.weightsSha256);
  assert.equal(weightsHash(resumed.checkpoint), weightsHash(straight.checkpoint));
  assert.equal(
    sha256File(path.join(resumed.checkpoint, 'optimizer.safetensors')),
    sha256File(path.join(straight.checkpoint, 'optimizer.safetensors')),
  );
  // The same losses step for step, and the same eval losses.
  const losses = (events: ReturnType<typeof collector>[]) =>
    events.flatMap((c) => c.of('step').map((e) => e.loss));
  assert.deepEqual(losses([first, second]), losses([whole]));
  assert.ok(whole.of('step').at(-1)!.loss < whole.of('step')[0]!.loss, 'the loss goes down');
  const steps = whole.of('step');
  t.diagnostic(
    `tiny step (2x32, vocab 50257, batch 2, T<=64): median ${[...steps.map((s) => s.stepMs)].sort((a, b) => a - b)[10]!.toFixed(0)} ms`,
  );
});

test('resume is bit-identical with gradient accumulation too (2 micro-batches of 1)', async (t) => {
  const root = tempDir(t);
  const extra = { batchSize: 1, gradAccumSteps: 2, maxSteps: 8, checkpointEvery: 4, evalEvery: 0 };
  const straight = await runTraining(tinyConfig(path.join(root, 'a'), extra), { sink: () => {} });
  const config = tinyConfig(path.join(root, 'b'), extra);
  await runTraining(config, { sink: () => {}, stopAtStep: 3 });
  const resumed = await runTraining(config, { sink: () => {}, resume: true });
  assert.equal(resumed.step, 8);
  assert.equal(resumed.weightsSha256, straight.weightsSha256);
});

test('a NaN stops the run with a clear error; the last good checkpoint stays intact and nothing bad is saved', async (t) => {
  const root = tempDir(t);
  const config = tinyConfig(root, { maxSteps: 12, checkpointEvery: 5, evalEvery: 0 });
  const events = collector();
  const error = await runTraining(config, {
    sink: events.sink,
    // A poisoned weight after step 7: step 8's loss is NaN.
    afterStep: (step, params) => {
      if (step === 7) params.get('h.1.mlp.c_fc.weight')![3] = Number.NaN;
    },
  }).then(
    () => assert.fail('expected the run to stop'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof MiniAstroError);
  assert.equal(error.kind, 'badInput');
  assert.match(error.message, /Training diverged: the loss is NaN .* at step 8/);
  assert.match(error.message, /checkpoint-5 \(step 5\), is intact/);
  assert.match(error.hint, /Lower optimizer\.lr/);
  const reported = events.of('error')[0]!;
  assert.equal(reported.lastCheckpoint, path.join(root, 'checkpoint-5'));
  assert.equal(reported.step, 7);
  assert.deepEqual(
    events.of('step').map((e) => e.step),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.equal(latestCheckpoint(root)?.step, 5);
  assert.ok(!existsSync(path.join(root, 'checkpoint-10')));
  const saved = loadCheckpoint(path.join(root, 'checkpoint-5')); // checks the recorded sha256 too
  assert.equal(saved.trainer.step, 5);
  assert.ok([...saved.state.params.values()].every((a) => a.every(Number.isFinite)));
});

test('a folder holding a run needs --resume; a resume with a changed config is refused by name', async (t) => {
  const root = tempDir(t);
  const config = tinyConfig(root, { maxSteps: 2, checkpointEvery: 2, evalEvery: 0 });
  await runTraining(config, { sink: () => {} });
  await assert.rejects(runTraining(config, { sink: () => {} }), (e: MiniAstroError) => {
    assert.equal(e.kind, 'usage');
    assert.match(e.message, /already holds a training run/);
    assert.match(e.hint, /--resume/);
    return true;
  });
  const changed = tinyConfig(root, {
    maxSteps: 4,
    checkpointEvery: 2,
    evalEvery: 0,
    optimizer: { lr: 1e-3 },
    batchSize: 1,
  });
  await assert.rejects(runTraining(changed, { sink: () => {}, resume: true }), (e: MiniAstroError) => {
    assert.equal(e.kind, 'usage');
    assert.match(e.message, /differs from the saved run in batchSize, optimizer\.lr/);
    return true;
  });
  // Run length may change: 2 more steps on the same run.
  const longer = tinyConfig(root, { maxSteps: 4, checkpointEvery: 2, evalEvery: 0 });
  const outcome = await runTraining(longer, { sink: () => {}, resume: true });
  assert.equal(outcome.step, 4);
});

test('device: cuda without the CUDA execution provider is a usage error that says how to install it', async (t) => {
  const root = tempDir(t);
  const events = collector();
  await assert.rejects(
    runTraining(tinyConfig(root, { device: 'cuda' }), { sink: events.sink }),
    (e: MiniAstroError) => {
      if (e instanceof MiniAstroError && e.kind === 'usage') {
        assert.match(e.message, /device: cuda, but ONNX Runtime cannot use its CUDA execution provider/);
        assert.equal(e.hint, CUDA_HINT);
        assert.match(e.hint, /ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci/);
        assert.match(e.hint, /CUDA 12 and cuDNN 9/);
        return true;
      }
      return false;
    },
  );
  assert.equal(events.of('error')[0]?.kind, 'usage');
  assert.equal(events.of('step').length, 0, 'never falls back to the CPU');
});

test('the fused step with custom decay flags equals buildTrainStepGraph when the flags agree', async () => {
  const specs = gpt2Params(TINY);
  const custom = await openSession(buildCustomStepGraph(TINY, specs));
  const stock = await openSession(buildTrainStepGraph(TINY, { dtype: 'float32' }));
  const feeds = stepFeeds();
  const a = await run(custom, feeds);
  const b = await run(stock, feeds);
  for (const key of Object.keys(b)) assert.deepEqual(numbers(a[key]), numbers(b[key]), key);
});

function stepFeeds() {
  const f32 = (data: Float64Array, dims: readonly number[]) => ({
    dtype: 'float32' as const,
    data: Float32Array.from(data),
    dims,
  });
  const feeds: Record<string, ReturnType<typeof f32> | ReturnType<typeof f64>> = {};
  for (const [name, feed] of Object.entries(paramFeeds(TINY, randomParams(TINY, 3)))) {
    feeds[name] = f32(feed.data as Float64Array, feed.dims);
  }
  for (const s of gpt2Params(TINY)) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    feeds[`adam_m.${s.name}`] = f32(randn(n, 5, 0.01), s.shape);
    feeds[`adam_v.${s.name}`] = f32(randn(n, 6, 0.01).map(Math.abs), s.shape);
  }
  const scalars = {
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weight_decay: 0.1,
    max_grad_norm: 1,
    step: 3,
  };
  for (const [k, v] of Object.entries(scalars)) feeds[k] = f32(Float64Array.of(v), []);
  const ids = randomIds(2, 6, TINY.vocabSize, 4);
  return { ...feeds, input_ids: idFeed(ids), labels: idFeed(ids) };
}
