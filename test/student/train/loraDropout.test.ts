// LoRA training with lora.dropout > 0 on a tiny GPT-2: it trains, the masks really change the trajectory (yet step
// 1, where B = 0, is the base model's loss bit for bit), a resumed run equals an uninterrupted one bit for bit on
// every step path (host AdamW and in-graph AdamW, one micro-batch or two), and evaluation has no dropout: only the
// training graphs take masks, and the run's eval loss is the `loss` verb's on the merged checkpoint.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { MiniAstroError } from '../../../src/core/errors';
import { type LoraShape, loraMaskSpecs } from '../../../src/student/graph/lora';
import { tinyGpt2Config } from '../../../src/student/model/config';
import { initGpt2Weights } from '../../../src/student/model/init';
import { loadCheckpoint, sha256File } from '../../../src/student/train/checkpoint';
import { checkpointLoss } from '../../../src/student/train/evaluate';
import { TrainSessions } from '../../../src/student/train/graphs';
import { loraOf, loraTrainSpecs, tensorMapOf } from '../../../src/student/train/lora';
import { runTraining } from '../../../src/student/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { collector, evalFile, tinyConfig } from './helpers';

const LORA = { enabled: true, rank: 4, alpha: 8, dropout: 0.1 };
const lora = (extra: Record<string, unknown> = {}, dropout = LORA.dropout) => ({
  lora: { ...LORA, dropout },
  optimizer: { lr: 1e-2 },
  ...extra,
});
const optimizerHash = (dir: string) => sha256File(path.join(dir, 'optimizer.safetensors'));
const losses = (...cs: ReturnType<typeof collector>[]) => cs.flatMap((c) => c.of('step').map((e) => e.loss));

test('LoRA dropout: the loss falls, the masks change the trajectory, and step 1 (B = 0) is the base model', async (t) => {
  const root = tempDir(t);
  const extra = { maxSteps: 12, checkpointEvery: 12, evalEvery: 0 };
  const plain = collector();
  const dropped = collector();
  const a = await runTraining(tinyConfig(path.join(root, 'plain'), lora(extra, 0)), { sink: plain.sink });
  const b = await runTraining(tinyConfig(path.join(root, 'dropout'), lora(extra, 0.3)), {
    sink: dropped.sink,
  });
  const [la, lb] = [losses(plain), losses(dropped)];
  t.diagnostic(
    `dropout 0: ${la[0]!.toFixed(4)} -> ${la.at(-1)!.toFixed(4)}; 0.3: ${lb[0]!.toFixed(4)} -> ${lb.at(-1)!.toFixed(4)}`,
  );
  assert.ok(lb.at(-1)! < lb[0]! - 0.05, 'the loss goes down with dropout');
  assert.equal(lb[0], la[0], 'B = 0: the adapters add exactly 0 whatever the masks');
  assert.ok(
    lb.slice(1).every((l, i) => l !== la[i + 1]),
    'from step 2 on, the masked gradients differ',
  );
  assert.notEqual(b.adaptersSha256, a.adaptersSha256);
  assert.equal(b.weightsSha256, a.weightsSha256, 'the frozen base is the same');

  // The checkpoint records the dropout: PEFT's adapter_config.json and trainer_state.json.
  const json = JSON.parse(readFileSync(path.join(b.checkpoint, 'adapter_config.json'), 'utf8'));
  assert.equal(json.lora_dropout, 0.3);
  assert.equal(loadCheckpoint(b.checkpoint).trainer.lora?.dropout, 0.3);
});

test('LoRA dropout: 5 + resume + 5 steps = 10 bit for bit, on host and in-graph AdamW, with 1 or 2 micro-batches', async (t) => {
  for (const [what, extra, graphOptimizer] of [
    ['host AdamW', { maxSteps: 10, checkpointEvery: 5, evalEvery: 5 }, false],
    [
      'host AdamW, 2 micro-batches',
      { maxSteps: 6, checkpointEvery: 3, evalEvery: 0, batchSize: 1, gradAccumSteps: 2 },
      false,
    ],
    ['in-graph AdamW (fused step)', { maxSteps: 6, checkpointEvery: 3, evalEvery: 0 }, true],
    [
      'in-graph AdamW, 2 micro-batches',
      { maxSteps: 6, checkpointEvery: 3, evalEvery: 0, batchSize: 1, gradAccumSteps: 2 },
      true,
    ],
  ] as const) {
    const root = tempDir(t);
    const options = graphOptimizer ? { graphOptimizer: true } : {};
    const whole = collector();
    const straight = await runTraining(tinyConfig(path.join(root, 'a'), lora(extra)), {
      sink: whole.sink,
      ...options,
    });
    const config = tinyConfig(path.join(root, 'b'), lora(extra));
    const first = collector();
    await runTraining(config, { sink: first.sink, stopAtStep: extra.maxSteps / 2, ...options });
    const second = collector();
    const resumed = await runTraining(config, { sink: second.sink, resume: true, ...options });
    assert.equal(resumed.step, extra.maxSteps, what);
    assert.equal(resumed.adaptersSha256, straight.adaptersSha256, what);
    assert.equal(optimizerHash(resumed.checkpoint), optimizerHash(straight.checkpoint), what);
    assert.deepEqual(losses(first, second), losses(whole), what);
    assert.equal(resumed.evalLoss, straight.evalLoss, what);
    t.diagnostic(`${what}: resumed = uninterrupted (adapters ${straight.adaptersSha256?.slice(0, 12)})`);
  }
});

test('host and in-graph AdamW draw the same masks: their dropout runs agree step by step', async (t) => {
  const root = tempDir(t);
  const adapters = (dir: string) => loadCheckpoint(dir).state.params;
  const distance = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
    let worst = 0;
    for (const [name, x] of a) {
      const y = b.get(name)!;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    }
    return worst;
  };
  for (const extra of [{}, { batchSize: 1, gradAccumSteps: 2 }]) {
    const run = async (name: string, dropout: number, graphOptimizer: boolean) => {
      const c = collector();
      const settings = lora({ maxSteps: 6, checkpointEvery: 6, evalEvery: 0, ...extra }, dropout);
      const outcome = await runTraining(tinyConfig(path.join(root, name), settings), {
        sink: c.sink,
        ...(graphOptimizer ? { graphOptimizer: true } : {}),
      });
      return { losses: losses(c), adapters: adapters(outcome.checkpoint) };
    };
    const k = extra.gradAccumSteps ?? 1;
    const host = await run(`host${k}`, 0.3, false);
    const graph = await run(`graph${k}`, 0.3, true);
    // The control: the same run without dropout, to see how far other masks move the adapters.
    const control = await run(`control${k}`, 0, false);
    const lossGap = Math.max(...host.losses.map((l, i) => Math.abs(l - graph.losses[i]!)));
    const same = distance(host.adapters, graph.adapters);
    const other = distance(host.adapters, control.adapters);
    t.diagnostic(
      `${k} micro-batch(es): host vs in-graph AdamW: loss gap ${lossGap.toExponential(2)}, adapters ` +
        `${same.toExponential(2)}; vs no dropout: adapters ${other.toExponential(2)}`,
    );
    assert.ok(lossGap < 1e-4, `${lossGap}`);
    assert.ok(same * 100 < other, `${same} vs ${other}`);
  }
});

test('evaluation has no dropout: no mask inputs, and the run eval equals the loss verb on the checkpoint', async (t) => {
  const cfg = tinyGpt2Config();
  const shape: LoraShape = { rank: 2, alpha: 4, targets: ['c_attn', 'c_proj', 'c_fc'] };
  const specs = loraTrainSpecs(cfg, shape, []);
  const sessions = new TrainSessions(
    cfg,
    specs,
    'cpu',
    {},
    {
      lora: shape,
      weights: tensorMapOf(initGpt2Weights(cfg, { seed: 1 })),
      dropout: { rate: 0.1, seed: 1 },
    },
  );
  try {
    const masks = loraMaskSpecs(cfg, shape).map((m) => m.name);
    const inputs = async (s: Promise<{ inputNames: readonly string[] }>) => (await s).inputNames;
    for (const session of [
      sessions.gradients(),
      sessions.micro(false),
      sessions.micro(true),
      sessions.fused(),
    ]) {
      const names = await inputs(session);
      assert.deepEqual(
        names.filter((n) => n.endsWith('.lora_dropout_mask')),
        masks,
      );
    }
    assert.ok(!(await inputs(sessions.evaluation())).some((n) => n.includes('dropout')));
  } finally {
    await sessions.release();
  }

  const root = tempDir(t);
  const outcome = await runTraining(
    tinyConfig(path.join(root, 'run'), lora({ maxSteps: 6, checkpointEvery: 6, evalEvery: 6 }, 0.3)),
    { sink: () => {} },
  );
  const once = await checkpointLoss({ checkpoint: outcome.checkpoint, dataFile: evalFile, batchSize: 2 });
  const twice = await checkpointLoss({ checkpoint: outcome.checkpoint, dataFile: evalFile, batchSize: 2 });
  assert.equal(twice.loss, once.loss, 'deterministic');
  t.diagnostic(`loss verb ${once.loss} vs training eval ${outcome.evalLoss}`);
  assert.ok(Math.abs(once.loss - outcome.evalLoss!) < 1e-4);
});

test('lora.dropout must be a probability below 1', () => {
  const config = tinyConfig('/tmp/unused', lora());
  assert.equal(loraOf(config)?.dropout, 0.1);
  assert.throws(
    () => loraOf({ ...config, lora: { ...config.lora, dropout: 1 } }),
    (e: MiniAstroError) =>
      e.kind === 'usage' && /lora\.dropout 1 is not a dropout probability in \[0, 1\)/.test(e.message),
  );
  assert.throws(() => tinyConfig('/tmp/unused', lora({}, 0.95)), /lora\.dropout/);
});
