// The two places AdamW runs: in place on the host (the CPU device) and inside the step graph (the GPU devices,
// whose state stays in device memory). Both run here on the CPU: the same tiny run through either path gives the
// same losses and nearly the same weights, and the graph path resumes bit-identically, with and without
// gradient accumulation, so the GPUs' step logic (LiveState from outputs, released inputs) is covered by CI.
// Also: recomputing attention probabilities changes no weight, and attention in query blocks changes them only
// by float rounding.

import assert from 'node:assert/strict';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { loadCheckpoint } from '../../../src/student/train/checkpoint';
import { runTraining } from '../../../src/student/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { collector, tinyConfig } from './helpers';

async function compare(t: TestContext, extra: Record<string, unknown>): Promise<void> {
  const root = tempDir(t);
  const settings = { maxSteps: 10, checkpointEvery: 5, evalEvery: 5, ...extra };
  const host = collector();
  const graph = collector();
  const a = await runTraining(tinyConfig(path.join(root, 'host'), settings), { sink: host.sink });
  const b = await runTraining(tinyConfig(path.join(root, 'graph'), settings), {
    sink: graph.sink,
    graphOptimizer: true,
  });
  const hostLoss = host.of('step').map((e) => e.loss);
  const graphLoss = graph.of('step').map((e) => e.loss);
  assert.equal(graphLoss.length, 10);
  hostLoss.forEach((l, i) => {
    assert.ok(Math.abs(l - graphLoss[i]!) < 1e-4, `step ${i + 1}: ${l} vs ${graphLoss[i]}`);
  });
  const wa = loadCheckpoint(a.checkpoint).state;
  const wb = loadCheckpoint(b.checkpoint).state;
  let worst = 0;
  for (const [name, data] of wa.params) {
    const other = wb.params.get(name)!;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i]! - other[i]!));
  }
  t.diagnostic(`largest weight difference host vs in-graph AdamW after 10 steps: ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-4, `weights differ by ${worst}`);
}

test('host AdamW and in-graph AdamW train the same tiny run', async (t) => {
  await compare(t, {});
});

test('the same with gradient accumulation (2 micro-batches of 1)', async (t) => {
  await compare(t, { batchSize: 1, gradAccumSteps: 2 });
});

test('the in-graph path resumes bit-identically (4 + 4 = 8 steps)', async (t) => {
  const root = tempDir(t);
  const extra = { maxSteps: 8, checkpointEvery: 4, evalEvery: 0 };
  const straight = await runTraining(tinyConfig(path.join(root, 'a'), extra), {
    sink: () => {},
    graphOptimizer: true,
  });
  const config = tinyConfig(path.join(root, 'b'), extra);
  await runTraining(config, { sink: () => {}, stopAtStep: 4, graphOptimizer: true });
  const resumed = await runTraining(config, { sink: () => {}, resume: true, graphOptimizer: true });
  assert.equal(resumed.step, 8);
  assert.equal(resumed.weightsSha256, straight.weightsSha256);
});

test('recomputing attention in the backward pass trains exactly the same weights as storing it', async (t) => {
  const root = tempDir(t);
  const extra = { maxSteps: 6, checkpointEvery: 6, evalEvery: 0 };
  const stored = await runTraining(
    tinyConfig(path.join(root, 'a'), { ...extra, recomputeAttention: false }),
    {
      sink: () => {},
    },
  );
  const recomputed = await runTraining(
    tinyConfig(path.join(root, 'b'), { ...extra, recomputeAttention: true }),
    {
      sink: () => {},
    },
  );
  assert.equal(recomputed.weightsSha256, stored.weightsSha256);
});

test('keeping the LM head logits for the backward pass trains exactly the same weights as recomputing them', async (t) => {
  const root = tempDir(t);
  const extra = { maxSteps: 6, checkpointEvery: 6, evalEvery: 0 };
  const kept = await runTraining(tinyConfig(path.join(root, 'a'), { ...extra, recomputeLogits: false }), {
    sink: () => {},
  });
  const recomputed = await runTraining(
    tinyConfig(path.join(root, 'b'), { ...extra, recomputeLogits: true }),
    { sink: () => {} },
  );
  assert.equal(recomputed.weightsSha256, kept.weightsSha256);
});

test('causal attention in 1, 2 and 4 query blocks trains the same run (to float rounding)', async (t) => {
  const root = tempDir(t);
  const extra = { maxSteps: 6, checkpointEvery: 6, evalEvery: 3 };
  const runs = [];
  for (const attentionBlocks of [1, 2, 4]) {
    const events = collector();
    const outcome = await runTraining(
      tinyConfig(path.join(root, `b${attentionBlocks}`), { ...extra, attentionBlocks }),
      {
        sink: events.sink,
      },
    );
    runs.push({ events, weights: loadCheckpoint(outcome.checkpoint).state.params });
  }
  const [full, ...blocked] = runs;
  for (const run of blocked) {
    const losses = [
      ...run.events.of('step').map((e) => e.loss),
      ...run.events.of('eval').map((e) => e.evalLoss),
    ];
    const reference = [
      ...full!.events.of('step').map((e) => e.loss),
      ...full!.events.of('eval').map((e) => e.evalLoss),
    ];
    assert.equal(losses.length, 8, '6 steps and 2 evaluations');
    for (const [i, l] of losses.entries()) {
      assert.ok(Math.abs(l - reference[i]!) < 1e-5, `loss ${i}: ${l} vs ${reference[i]}`);
    }
    let worst = 0;
    for (const [name, data] of full!.weights) {
      const other = run.weights.get(name)!;
      for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i]! - other[i]!));
    }
    t.diagnostic(`largest weight difference against full attention after 6 steps: ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-5, `weights differ by ${worst}`);
  }
});
