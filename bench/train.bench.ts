/**
 * Training-step benchmark: GPT-2 124M (seeded random weights) at 2048 tokens a step (B=2, T=1024) on ONNX Runtime's
 * CPU provider, all in one run: tokens/s, peak RSS, achieved GFLOP/s (6 × parameters × tokens plus attention), and
 * this machine's own fp32 matrix-multiply GFLOP/s (one large ORT MatMul) measured in the same run — their ratio is
 * our CPU utilisation, the figure that holds on a noisy machine. Goals: utilisation ≥ 70%, peak RSS ≤ 6 GiB. When
 * Debian's python3-torch is installed (bench/setup-torch.sh), the same step in PyTorch is timed for a ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  buildTrainStepGraph,
  Graph,
  gpt2Params,
  HYPERPARAMETERS,
  openSession,
  ortTensor,
} from '../src/student/graph';
import { gpt2Small, initGpt2Weights } from '../src/student/model';
import type { BenchResult } from './ingest.bench';

/** One large fp32 MatMul in ORT: the machine's practical ceiling for the dense work a training step is made of. */
async function matmulGflops(): Promise<number> {
  const [m, k, n] = [2048, 768, 3072];
  const g = new Graph('matmul_bench');
  const a = g.input('a', 'float32', [m, k]);
  const b = g.input('b', 'float32', [k, n]);
  g.output(g.op('MatMul', [a, b]), 'c');
  const session = await openSession(g);
  const feeds = {
    a: ortTensor('float32', new Float32Array(m * k).fill(0.5), [m, k]),
    b: ortTensor('float32', new Float32Array(k * n).fill(0.25), [k, n]),
  };
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push((performance.now() - t0) / 1000);
  }
  await session.release();
  return (2 * m * k * n) / Math.min(...times) / 1e9;
}

function torchReference(steps: number, log: (line: string) => void): number | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return null;
  const c = gpt2Small;
  const run = spawnSync(
    python,
    [
      path.join(__dirname, 'torch_gpt2_step.py'),
      ...[c.nLayer, c.nHead, c.nEmbd, c.nPositions, c.vocabSize, 2, 1024, steps].map(String),
    ],
    { encoding: 'utf8', timeout: 40 * 60_000 },
  );
  if (run.status !== 0) {
    log(
      `  PyTorch reference unavailable (${(run.stderr || '').trim().split('\n').pop() ?? 'no output'}); install it with bench/setup-torch.sh`,
    );
    return null;
  }
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
    tokens_per_s: number;
    torch: string;
    threads: number;
  };
  log(`  PyTorch ${result.torch} (${result.threads} threads): ${result.tokens_per_s.toFixed(1)} tokens/s`);
  return result.tokens_per_s;
}

export async function runTrainBench(log: (line: string) => void = console.log): Promise<BenchResult[]> {
  const steps = Number(process.env['MINIASTROLM_BENCH_TRAIN_STEPS'] ?? 2);
  const cfg = gpt2Small;
  const [batch, seq] = [2, 1024];
  const ceiling = await matmulGflops();
  log(`train: GPT-2 124M, B=${batch} T=${seq} (${batch * seq} tokens/step), ${steps} steps, CPU`);
  log(`  machine fp32 MatMul ceiling (ORT, 2048x768x3072): ${ceiling.toFixed(1)} GFLOP/s`);

  const session = await openSession(buildTrainStepGraph(cfg, { dtype: 'float32' }));
  const weights = initGpt2Weights(cfg, { seed: 1 });
  const feeds: Record<string, ReturnType<typeof ortTensor>> = {};
  let params = 0;
  for (const spec of gpt2Params(cfg)) {
    const tensor = weights.get(spec.name)!;
    params += tensor.data.length;
    feeds[spec.name] = ortTensor('float32', tensor.data, spec.shape);
    feeds[`adam_m.${spec.name}`] = ortTensor('float32', new Float32Array(tensor.data.length), spec.shape);
    feeds[`adam_v.${spec.name}`] = ortTensor('float32', new Float32Array(tensor.data.length), spec.shape);
  }
  const hyper: Record<string, number> = {
    lr: 1e-4,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weight_decay: 0.01,
    max_grad_norm: 1,
    step: 1,
  };
  for (const h of HYPERPARAMETERS) feeds[h] = ortTensor('float32', Float32Array.of(hyper[h] ?? 0), []);
  const ids = BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt((i * 7919) % cfg.vocabSize));
  feeds['input_ids'] = ortTensor('int64', ids, [batch, seq]);
  feeds['labels'] = ortTensor('int64', ids, [batch, seq]);

  const times: number[] = [];
  for (let step = 0; step < steps; step++) {
    const t0 = performance.now();
    const out = await session.run(feeds);
    times.push((performance.now() - t0) / 1000);
    // Feed the updated state back, as training does, so every step does the full work.
    for (const spec of gpt2Params(cfg)) {
      feeds[spec.name] = out[`new.${spec.name}`]!;
      feeds[`adam_m.${spec.name}`] = out[`new.adam_m.${spec.name}`]!;
      feeds[`adam_v.${spec.name}`] = out[`new.adam_v.${spec.name}`]!;
    }
  }
  await session.release();
  const stepS = Math.min(...times);
  const tokens = batch * seq;
  const attention = 6 * cfg.nLayer * batch * seq * seq * cfg.nEmbd; // QK^T and AV, forward + backward
  const gflops = (6 * params * tokens + attention) / stepS / 1e9;
  const utilisation = gflops / ceiling;
  const rssGiB = process.resourceUsage().maxRSS / 2 ** 20;
  log(
    `  step ${stepS.toFixed(1)} s (best of ${steps}); ${(tokens / stepS).toFixed(1)} tokens/s; ${gflops.toFixed(1)} GFLOP/s achieved`,
  );
  log(
    `  utilisation ${(utilisation * 100).toFixed(0)}% of the MatMul ceiling; peak RSS ${rssGiB.toFixed(2)} GiB`,
  );
  // Debian's torch (no MKL) takes minutes per 124M step: one step unless asked for more.
  const torch = torchReference(Number(process.env['MINIASTROLM_BENCH_TORCH_STEPS'] ?? 1), log);
  if (torch) log(`  ratio ours / PyTorch: ${(tokens / stepS / torch).toFixed(2)}`);
  return [
    {
      name: 'train.cpu_utilisation',
      value: utilisation,
      unit: 'ratio',
      goal: '>= 0.70',
      ok: utilisation >= 0.7,
    },
    { name: 'train.peak_rss_gib', value: rssGiB, unit: 'GiB', goal: '<= 6', ok: rssGiB <= 6 },
    { name: 'train.tokens_per_s', value: tokens / stepS, unit: 'tokens/s', goal: 'report', ok: true },
  ];
}
