/**
 * Decode benchmark (issue 16): GPT-2 124M's shape (seeded weights) exported once with every weight format, then in
 * one run, alternating round by round on the same export folder, this project's decoder (float32, int8, int4) and
 * transformers.js (fp32, q8, q4), each in its own process: a 299-token prompt, 200 new tokens greedily, time to
 * the first token, tokens/s after it, peak RSS, and the weight bytes a token reads (implied GB/s). The machine's
 * read bandwidth is measured in the same run (readBandwidth.ts), at the start of every round. Greedy agreement of int8/int4
 * with float32 is measured on a small model trained here with the real trainer (real teacher explanations from
 * ../shared/realdata when present). The machine is shared: every figure is reported over the rounds (median,
 * min–max) and the ratios per alternated pair, and a goal counts as met on the median only.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainConfigFrom } from '../src/student/config/trainConfig';
import { PromptFormat, promptTemplate } from '../src/student/data/template';
import { cpuThreads } from '../src/student/graph/threads';
import { greedyAgreement } from '../src/student/infer/agreement';
import { exportForInference, MANIFEST_FILE, readManifest } from '../src/student/infer/export';
import { checkFormat, graphWeightsFrom, type WeightFormat } from '../src/student/infer/graphWeights';
import { kvModelFromWeights } from '../src/student/infer/open';
import { shouldSpin } from '../src/student/infer/spinPolicy';
import {
  expectedShapes,
  type Gpt2Config,
  type Gpt2Weights,
  gpt2Small,
  initGpt2Weights,
  loadGpt2Folder,
} from '../src/student/model';
import { defaultTokenizer, EOS_ID } from '../src/student/tokenizer';
import { applyOverrides } from '../src/student/train/runConfig';
import { runTraining } from '../src/student/train/trainer';
import type { DecodeReply, DecodeRequest } from './decodeWorker';
import type { BenchResult } from './ingest.bench';
import { readBandwidthGBs } from './readBandwidth';

const PROMPT_TOKENS = 299;
const NEW_TOKENS = 200;

interface Variant {
  readonly name: string;
  readonly engine: 'ours' | 'tjs';
  /** Our WeightFormat, or transformers.js's dtype. */
  readonly format: string;
  readonly weights: WeightFormat;
}

const VARIANTS: readonly Variant[] = [
  { name: 'ours float32', engine: 'ours', format: 'float32', weights: 'float32' },
  { name: 'transformers.js fp32', engine: 'tjs', format: 'fp32', weights: 'float32' },
  { name: 'ours int8', engine: 'ours', format: 'int8', weights: 'int8' },
  { name: 'transformers.js q8', engine: 'tjs', format: 'q8', weights: 'int8' },
  { name: 'ours int4', engine: 'ours', format: 'int4', weights: 'int4' },
  { name: 'transformers.js q4', engine: 'tjs', format: 'q4', weights: 'int4' },
];

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: readonly number[], digits = 1) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

/** The 124M export, made once per machine (seeded weights: the same bytes every time). */
async function benchExport(log: (line: string) => void): Promise<{ dir: string; weights: Gpt2Weights }> {
  const dir = path.join(os.tmpdir(), 'miniastrolm-bench-decode', 'gpt2-124m-seed1');
  const weights = initGpt2Weights(gpt2Small, { seed: 1 });
  const ready =
    existsSync(path.join(dir, MANIFEST_FILE)) &&
    (() => {
      try {
        // Exported by this build: an int4 file, and int8 in the block size it writes now (quantize.ts).
        const files = readManifest(dir).model.files;
        return files.int4 !== undefined && files.int8?.blockSize === checkFormat(gpt2Small, 'int8');
      } catch {
        return false;
      }
    })();
  if (!ready) {
    log(`  exporting GPT-2 124M (seed 1) with float32, int8 and int4 files to ${dir} ...`);
    await exportForInference({ config: gpt2Small, weights }, dir, { weights: 'int4', force: true });
  }
  return { dir, weights };
}

/**
 * Bytes one decode step reads: every weight matrix in its stored form (the tied head reads the whole token
 * table; the position table one row), plus the KV cache at the mean position of the generated tokens.
 */
function bytesPerToken(config: Gpt2Config, weights: Gpt2Weights, format: WeightFormat): number {
  const g = graphWeightsFrom(config, weights, format);
  let bytes = 0;
  for (const [name, shape] of expectedShapes(config)) {
    const q = g.quantized(name);
    if (q) bytes += q.data.byteLength + q.scales.byteLength;
    else if (name === 'wpe.weight') bytes += config.nEmbd * 4;
    else bytes += shape.reduce((a, b) => a * b, 4);
  }
  const meanPosition = PROMPT_TOKENS + NEW_TOKENS / 2;
  return bytes + 2 * config.nLayer * meanPosition * config.nEmbd * 4;
}

class Child {
  private constructor(
    readonly process: ChildProcess,
    readonly loadMs: number,
    /** Whether its onnxruntime threads spin between kernels (ours decides per machine: spinPolicy.ts). */
    readonly threads: string,
  ) {}

  static async start(variant: Variant, folder: string): Promise<Child> {
    const child = fork(path.join(__dirname, 'decodeWorker.ts'), [variant.engine, folder, variant.format], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ready = await Child.reply<{ loadMs: number; threads: string }>(child);
    return new Child(child, ready.loadMs, ready.threads);
  }

  private static reply<T>(child: ChildProcess): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`decode worker exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        const message = m as T & { error?: string };
        if (message.error) reject(new Error(message.error));
        else resolve(message);
      });
    });
  }

  async run(request: DecodeRequest): Promise<DecodeReply> {
    const reply = Child.reply<DecodeReply>(this.process);
    this.process.send(request);
    return reply;
  }

  stop(): void {
    this.process.send('exit');
  }
}

/** Rows of real teacher explanations as curated JSONL (train) and held-out abstracts, or the test fixtures. */
function agreementData(root: string): { trainFile: string; abstracts: string[] } {
  const real = path.resolve(
    __dirname,
    '..',
    '..',
    'shared',
    'realdata',
    'miniastrogpt',
    'teacher_v1_train.jsonl',
  );
  if (!existsSync(real)) {
    const fixtures = path.join(__dirname, '..', 'test', 'student', 'train', 'fixtures', 'train.jsonl');
    const rows = readFileSync(fixtures, 'utf8').trim().split('\n');
    return {
      trainFile: fixtures,
      abstracts: rows.map((r) => (JSON.parse(r) as { abstract: string }).abstract),
    };
  }
  const rows = readFileSync(real, 'utf8')
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as { id: string; title: string; input: string; output: { explanation: string } },
    );
  const curated = rows.slice(0, 400).map((r) => ({
    id: r.id,
    title: r.title,
    abstract: r.input,
    target_explanation: r.output.explanation,
    accepted: true,
  }));
  const trainFile = path.join(root, 'train.jsonl');
  writeFileSync(trainFile, `${curated.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return { trainFile, abstracts: rows.slice(400, 420).map((r) => r.input) };
}

/** int8 and int4 greedy agreement with float32 on a small GPT-2 trained here (4 layers, 128 wide, 512 positions). */
export async function trainedAgreement(
  log: (line: string) => void,
): Promise<Record<'int8' | 'int4', number>> {
  const root = path.join(os.tmpdir(), 'miniastrolm-bench-decode', 'trained');
  mkdirSync(root, { recursive: true });
  const { trainFile, abstracts } = agreementData(root);
  const steps = Number(process.env['MINIASTROLM_BENCH_DECODE_TRAIN_STEPS'] ?? 400);
  const config = trainConfigFrom({
    model: {
      init: 'scratch',
      config: { nLayer: 4, nHead: 4, nEmbd: 128, nPositions: 512, vocabSize: 50257 },
    },
    data: {
      trainFile,
      evalFile: null,
      maxSeqLen: 512,
      truncation: { minAbstractTokens: 32, onTooLong: 'skip' },
    },
    optimizer: { lr: 4e-3, weightDecay: 0.01 },
    schedule: { warmupSteps: 20, minLrRatio: 0.1 },
    batchSize: 2,
    gradAccumSteps: 1,
    maxSteps: steps,
    seed: 7,
    evalEvery: 0,
    checkpointEvery: steps,
    keepCheckpoints: 1,
    outputDir: path.join(root, `run-${steps}`),
    device: 'cpu',
  });
  // Trained once per machine and step count (training is deterministic): a rerun reuses the checkpoint.
  const checkpoint = path.join(config.outputDir, `checkpoint-${steps}`);
  let loss = 'reused';
  if (!existsSync(path.join(checkpoint, 'DONE'))) {
    log(`  training the agreement model (${steps} steps) ...`);
    loss = (await runTraining(applyOverrides(config), { sink: () => {} })).loss?.toFixed(3) ?? '?';
  }
  const { config: model, weights } = loadGpt2Folder(checkpoint);
  log(`  agreement model: 4 layers × 128, 512 positions, trained ${steps} steps here (final loss ${loss})`);
  const format = new PromptFormat(defaultTokenizer(), promptTemplate('abstract-explanation-v1'));
  const prompts = abstracts.map(
    (a) => format.promptIds(a, { maxTokens: 512 - 64, minAbstractTokens: 16 }).ids,
  );
  const reference = await kvModelFromWeights(model, weights);
  const rates = { int8: 0, int4: 0 };
  for (const quantised of ['int8', 'int4'] as const) {
    const candidate = await kvModelFromWeights(model, weights, { weights: quantised });
    const r = await greedyAgreement(reference, candidate, prompts, { maxNewTokens: 64, eosId: EOS_ID });
    rates[quantised] = r.rate;
    log(
      `  ${quantised}: ${r.agreeing}/${r.positions} greedy tokens equal float32's (${(100 * r.rate).toFixed(1)}%), ` +
        `identical free-running texts ${r.identicalPrefix.filter((n, i) => n === r.generated[i]).length}/${prompts.length}`,
    );
    await candidate.release();
  }
  await reference.release();
  return rates;
}

/** Waits (at most 10 s) until a core is idle for each of `threads` (spinPolicy.ts's own test). */
async function settled(threads: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until && !(await shouldSpin(threads))) {}
}

export async function runDecodeBench(log: (line: string) => void = console.log): Promise<BenchResult[]> {
  const rounds = Number(process.env['MINIASTROLM_BENCH_DECODE_ROUNDS'] ?? 3);
  const threads = cpuThreads();
  log(
    `decode: GPT-2 124M shape, ${PROMPT_TOKENS}-token prompt, ${NEW_TOKENS} new tokens, ${rounds} alternated rounds, ${threads} threads`,
  );
  const { dir, weights } = await benchExport(log);
  const prompt = Array.from({ length: PROMPT_TOKENS }, (_, i) => (i * 7919 + 13) % gpt2Small.vocabSize);

  const children: Child[] = [];
  for (const v of VARIANTS) {
    // Each decoder loads on a settled machine: the previous one's start-up (transformers.js keeps its threads
    // busy for a while after it answers) would otherwise count as load when ours decides whether to spin.
    await settled(threads);
    const child = await Child.start(v, dir);
    children.push(child);
    log(`  ${v.name.padEnd(22)} loaded in ${(child.loadMs / 1000).toFixed(1)} s, threads ${child.threads}`);
  }
  const replies: DecodeReply[][] = VARIANTS.map(() => []);
  // The bandwidth again at the start of every round: each round's rates are set against its own bound.
  const bandwidths: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      bandwidths.push(await readBandwidthGBs(threads));
      for (let i = 0; i < VARIANTS.length; i++)
        replies[i]!.push(await children[i]!.run({ prompt, newTokens: NEW_TOKENS }));
    }
  } finally {
    for (const c of children) c.stop();
  }
  log(`  read bandwidth at each round's start: ${bandwidths.map((b) => b.toFixed(1)).join(', ')} GB/s`);
  const bandwidth = median(bandwidths);

  const rate = (i: number) => replies[i]!.map((r) => r.tokensPerS);
  log('');
  log(
    `  ${'decoder'.padEnd(22)} ${'tokens/s'.padEnd(20)} ${'first token ms'.padEnd(20)} ${'peak RSS MiB'.padEnd(13)} ${'MB/token'.padEnd(9)} GB/s   of bound`,
  );
  VARIANTS.forEach((v, i) => {
    const mb = bytesPerToken(gpt2Small, weights, v.weights) / 1e6;
    const tps = median(rate(i));
    log(
      `  ${v.name.padEnd(22)} ${spread(rate(i)).padEnd(20)} ${spread(
        replies[i]!.map((r) => r.ttftMs),
        0,
      ).padEnd(20)} ` +
        `${Math.max(...replies[i]!.map((r) => r.peakRssMiB))
          .toFixed(0)
          .padEnd(13)} ${mb.toFixed(0).padEnd(9)} ` +
        `${((tps * mb) / 1000).toFixed(1).padEnd(6)} ${((100 * tps * mb) / 1000 / bandwidth).toFixed(0)}%`,
    );
  });
  const ratios = (a: number, b: number) => rate(a).map((x, r) => x / rate(b)[r]!);
  // Seeded random weights make near-ties common: how far the two greedy texts run together on the same file.
  const together = (i: number) => {
    const [a, b] = [replies[i - 1]![0]!.tokens, replies[i]![0]!.tokens];
    let n = 0;
    while (n < a.length && a[n] === b[n]) n++;
    return `${n}/${a.length}`;
  };
  log(
    `  greedy tokens equal to ours (same file, first round): fp32 ${together(1)}, q8 ${together(3)}, q4 ${together(5)}`,
  );
  const fp32Bytes = bytesPerToken(gpt2Small, weights, 'float32');
  const boundShare = rate(0).map((x, r) => (x * fp32Bytes) / 1e9 / bandwidths[r]!);
  log(
    `  ours float32 at ${spread(
      boundShare.map((x) => 100 * x),
      0,
    )}% of each round's bandwidth bound`,
  );
  const int8Speedup = ratios(2, 0);
  const vsTjsFp32 = ratios(0, 1);
  const vsTjsInt8 = ratios(2, 3);
  log(
    `  per alternated pair: ours int8 / ours float32 ${spread(int8Speedup, 2)}; ours / transformers.js fp32 ${spread(vsTjsFp32, 2)}, q8 ${spread(vsTjsInt8, 2)}, q4 ${spread(ratios(4, 5), 2)}`,
  );

  const agreement = await trainedAgreement(log);
  const atLeast = (name: string, value: number, unit: string, min: number): BenchResult => ({
    name: `decode.${name}`,
    value,
    unit,
    goal: `>= ${min}`,
    ok: value >= min,
  });
  const results: BenchResult[] = [
    atLeast('float32_share_of_bandwidth_bound', median(boundShare), 'ratio', 0.8),
    atLeast('int8_speedup_over_float32', median(int8Speedup), 'x', 2.5),
    atLeast('int8_greedy_agreement', agreement.int8, 'ratio', 0.95),
    { name: 'decode.int4_greedy_agreement', value: agreement.int4, unit: 'ratio', goal: 'report', ok: true },
    atLeast('float32_vs_transformersjs_fp32', median(vsTjsFp32), 'x', 1.5),
    atLeast('int8_vs_transformersjs_q8', median(vsTjsInt8), 'x', 3),
  ];
  for (const i of [0, 2, 4]) {
    const ttft = median(replies[i]!.map((r) => r.ttftMs)) / 1000;
    results.push({
      name: `decode.${VARIANTS[i]!.format}_first_token_s`,
      value: ttft,
      unit: 's',
      goal: '<= 0.5',
      ok: ttft <= 0.5,
    });
    results.push({
      name: `decode.${VARIANTS[i]!.format}_tokens_per_s`,
      value: median(rate(i)),
      unit: 'tokens/s',
      goal: 'report',
      ok: true,
    });
  }
  return results;
}
