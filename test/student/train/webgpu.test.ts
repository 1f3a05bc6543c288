// device: webgpu. Where no WebGPU adapter exists (CI: no GPU, no Vulkan driver) the run stops before its first
// step with a usage error that says how to get one. Where one exists (a GPU machine with a Vulkan driver), the
// same tiny run trains on the GPU with its weights and Adam state resident there, and agrees with the CPU run.

import assert from 'node:assert/strict';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { Graph } from '../../../src/student/graph/ir';
import * as o from '../../../src/student/graph/ops';
import { ortTensor } from '../../../src/student/graph/session';
import { loadCheckpoint } from '../../../src/student/train/checkpoint';
import { checkDevice, openDeviceSession, WEBGPU_HINT } from '../../../src/student/train/device';
import { DeviceCopier, isOnDevice } from '../../../src/student/train/deviceTensors';
import { runTraining } from '../../../src/student/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { collector, tinyConfig } from './helpers';

async function webgpuError(): Promise<MiniAstroError | undefined> {
  try {
    await checkDevice('webgpu');
    return undefined;
  } catch (error) {
    if (error instanceof MiniAstroError) return error;
    throw error;
  }
}

test('device: webgpu without an adapter is a usage error with the Vulkan hint, before any step', async (t) => {
  if (!(await webgpuError())) return t.skip('this machine has a WebGPU adapter');
  const events = collector();
  await assert.rejects(
    runTraining(tinyConfig(tempDir(t), { device: 'webgpu' }), { sink: events.sink }),
    (e: unknown) => {
      assert.ok(e instanceof MiniAstroError);
      assert.equal(e.kind, 'usage');
      assert.match(
        e.message,
        /device: webgpu, but ONNX Runtime cannot use its WebGPU execution provider \(.+\)/,
      );
      assert.equal(e.hint, WEBGPU_HINT);
      assert.match(e.hint, /apt install libvulkan1/);
      return true;
    },
  );
  assert.equal(events.of('error')[0]?.kind, 'usage');
  assert.equal(events.of('step').length, 0, 'never falls back to the CPU');
});

test('resident outputs stay on the GPU, feed the next run, and DeviceCopier brings them back', async (t) => {
  if (await webgpuError()) return t.skip('no WebGPU adapter here');
  const g = new Graph('double');
  const x = g.input('x', 'float32', [3, 4]);
  g.output(o.mul(x, o.like(x, 2)), 'y');
  g.output(o.reduceSum(x, [0, 1], false), 'sum');
  const session = await openDeviceSession(g, 'webgpu', { resident: ['y'] });
  const start = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
  let feed = ortTensor('float32', start, [3, 4]);
  for (let i = 0; i < 3; i++) {
    const out = await session.run({ x: feed });
    assert.equal(isOnDevice(out['y']!), true);
    assert.equal(isOnDevice(out['sum']!), false, 'outputs not named stay on the host');
    feed = out['y']!;
  }
  const copier = new DeviceCopier('webgpu');
  const host = await copier.toHost({ y: feed });
  assert.deepEqual(
    [...host.get('y')!],
    [...start].map((v) => v * 8),
  );
  await copier.release();
  await session.release();
});

/** Trains the tiny config on the CPU and on webgpu; returns the worst weight difference after 12 steps. */
async function compareWithCpu(t: TestContext, extra: Record<string, unknown>): Promise<void> {
  const root = tempDir(t);
  const settings = { maxSteps: 12, checkpointEvery: 6, evalEvery: 6, ...extra };
  const cpu = collector();
  const gpu = collector();
  const onCpu = await runTraining(tinyConfig(path.join(root, 'cpu'), settings), { sink: cpu.sink });
  const onGpu = await runTraining(tinyConfig(path.join(root, 'gpu'), { ...settings, device: 'webgpu' }), {
    sink: gpu.sink,
  });
  assert.equal(onGpu.step, 12);
  const cpuLoss = cpu.of('step').map((e) => e.loss);
  const gpuLoss = gpu.of('step').map((e) => e.loss);
  t.diagnostic(`losses cpu ${cpuLoss.map((l) => l.toFixed(4)).join(' ')}`);
  t.diagnostic(`losses gpu ${gpuLoss.map((l) => l.toFixed(4)).join(' ')}`);
  cpuLoss.forEach((l, i) => {
    assert.ok(
      Math.abs(l - gpuLoss[i]!) <= 2e-3 * Math.max(1, l),
      `step ${i + 1}: cpu ${l} vs gpu ${gpuLoss[i]}`,
    );
  });
  const evals = (c: ReturnType<typeof collector>) => c.of('eval').map((e) => e.evalLoss);
  const gpuEvals = evals(gpu);
  assert.equal(gpuEvals.length, evals(cpu).length);
  evals(cpu).forEach((l, i) => {
    assert.ok(
      Math.abs(l - gpuEvals[i]!) <= 2e-3 * Math.max(1, l),
      `eval ${i}: cpu ${l} vs gpu ${gpuEvals[i]}`,
    );
  });
  // Checkpoints hold what was trained on the GPU (copied out of device memory), close to the CPU's weights.
  const a = loadCheckpoint(onCpu.checkpoint);
  const b = loadCheckpoint(onGpu.checkpoint);
  let worst = 0;
  for (const [name, data] of a.state.params) {
    const other = b.state.params.get(name)!;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i]! - other[i]!));
  }
  t.diagnostic(`largest trained-value difference cpu vs webgpu after 12 steps: ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-3, `weights differ by ${worst}`);
}

test('a tiny run on webgpu follows the CPU run (losses, eval, checkpointed weights)', async (t) => {
  if (await webgpuError()) return t.skip('no WebGPU adapter here');
  await compareWithCpu(t, {});
});

test('the same with gradient accumulation (gradients stay on the GPU between micro-batches)', async (t) => {
  if (await webgpuError()) return t.skip('no WebGPU adapter here');
  await compareWithCpu(t, { batchSize: 1, gradAccumSteps: 2 });
});

test('the same with LoRA adapters (the frozen base uploaded once)', async (t) => {
  if (await webgpuError()) return t.skip('no WebGPU adapter here');
  await compareWithCpu(t, { lora: { enabled: true, rank: 4, alpha: 8 } });
});

test('the same with LoRA dropout (host-drawn bool masks fed to the GPU), fused and accumulated', async (t) => {
  if (await webgpuError()) return t.skip('no WebGPU adapter here');
  const lora = { enabled: true, rank: 4, alpha: 8, dropout: 0.1 };
  await compareWithCpu(t, { lora });
  await compareWithCpu(t, { lora, batchSize: 1, gradAccumSteps: 2 });
});
