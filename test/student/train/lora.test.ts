// LoRA training on a tiny GPT-2 (2 layers, 32 wide, GPT-2's vocabulary): step 1 is the base model's loss, the base
// weights never change, only the adapters (and their small AdamW state) do; resuming is bit-identical; every way to
// read the checkpoint (export, inference, the loss verb, model.init) sees the merged weights; mismatched resumes
// (other rank, targets, dropout, or across LoRA/full) are refused by name. Dropout itself: loraDropout.test.ts.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { MiniAstroError } from '../../../src/core/errors';
import { buildLogitsGraph, openSession, ortTensor } from '../../../src/student/graph';
import { loraParams } from '../../../src/student/graph/lora';
import { exportForInference } from '../../../src/student/infer/export';
import { openInferenceModel } from '../../../src/student/infer/open';
import { initGpt2Weights, loadGpt2Folder } from '../../../src/student/model';
import { loadCheckpoint, sha256File } from '../../../src/student/train/checkpoint';
import { checkpointLoss } from '../../../src/student/train/evaluate';
import { checkpointWeights } from '../../../src/student/train/lora';
import { initialModel, scratchConfig } from '../../../src/student/train/modelInit';
import { runTraining } from '../../../src/student/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { collector, evalFile, tinyConfig } from './helpers';

const LORA = { enabled: true, rank: 4, alpha: 8 };
const lora = (extra: Record<string, unknown> = {}) => ({ lora: LORA, optimizer: { lr: 1e-2 }, ...extra });
const optimizerHash = (dir: string) => sha256File(path.join(dir, 'optimizer.safetensors'));
const PROMPT = [464, 1402, 318, 257, 1332, 13, 198];

const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('LoRA: step 1 is the base model, the base stays bit-identical, adapters learn, AdamW state is tiny', async (t) => {
  const root = tempDir(t);
  const full = collector();
  const fullRun = await runTraining(tinyConfig(path.join(root, 'full'), { maxSteps: 1, evalEvery: 0 }), {
    sink: full.sink,
  });
  const config = tinyConfig(
    path.join(root, 'lora'),
    lora({ maxSteps: 12, checkpointEvery: 4, evalEvery: 0, keepCheckpoints: 5 }),
  );
  const run = collector();
  const outcome = await runTraining(config, { sink: run.sink });
  assert.match(
    run
      .of('note')
      .map((n) => n.message)
      .join('\n'),
    /LoRA rank 4, alpha 8, targets \[c_attn, c_proj, c_fc\]: 4096 trainable/,
  );
  assert.equal(run.of('start')[0]!.parameters, 4096);

  const losses = run.of('step').map((s) => s.loss);
  const base0 = full.of('step')[0]!.loss;
  t.diagnostic(
    `step-1 loss: full ${base0}, LoRA ${losses[0]} (${losses[0] === base0 ? 'bit-identical' : 'differs'})`,
  );
  assert.ok(Math.abs(losses[0]! - base0) <= 1e-6 * base0, 'B = 0: the first forward is the base model');
  t.diagnostic(`loss ${losses[0]!.toFixed(4)} -> ${losses.at(-1)!.toFixed(4)} in 12 steps`);
  assert.ok(losses.at(-1)! < losses[0]! - 0.05, 'the loss goes down');

  // Every checkpoint holds the initial weights bit for bit; the adapters moved (B left 0).
  const initial = initGpt2Weights(scratchConfig(config.model.config), { seed: config.seed });
  const hashes = new Set(run.of('checkpoint').map((c) => c.weightsSha256));
  assert.equal(hashes.size, 1, 'model.safetensors never changes');
  assert.equal(new Set(run.of('checkpoint').map((c) => c.adaptersSha256)).size, 3, 'the adapters do');
  const saved = loadCheckpoint(outcome.checkpoint);
  for (const [name, w] of initial) assert.ok(bitsEqual(saved.base!.get(name)!.data, w.data), name);
  assert.deepEqual(saved.lora, { rank: 4, alpha: 8, targets: ['c_attn', 'c_proj', 'c_fc'] });
  assert.ok(saved.state.params.get('h.1.mlp.c_proj.lora_B')!.some((x) => x !== 0));
  assert.equal(
    outcome.adaptersSha256,
    sha256File(path.join(outcome.checkpoint, 'adapter_model.safetensors')),
  );

  const adamBytes = (dir: string) => statSync(path.join(dir, 'optimizer.safetensors')).size;
  const fullBytes = adamBytes(fullRun.checkpoint);
  const loraBytes = adamBytes(outcome.checkpoint);
  t.diagnostic(`AdamW state (optimizer.safetensors): full ${fullBytes} bytes, LoRA ${loraBytes} bytes`);
  assert.ok(loraBytes * 50 < fullBytes);
});

test('LoRA: 4 steps + resume + 4 steps = 8 steps bit for bit (fused, and with 2 micro-batches)', async (t) => {
  for (const extra of [
    { maxSteps: 8, checkpointEvery: 4, evalEvery: 4 },
    { maxSteps: 6, checkpointEvery: 3, evalEvery: 0, batchSize: 1, gradAccumSteps: 2 },
  ]) {
    const root = tempDir(t);
    const whole = collector();
    const straight = await runTraining(tinyConfig(path.join(root, 'a'), lora(extra)), { sink: whole.sink });
    const config = tinyConfig(path.join(root, 'b'), lora(extra));
    const first = collector();
    await runTraining(config, { sink: first.sink, stopAtStep: extra.maxSteps / 2 });
    const second = collector();
    const resumed = await runTraining(config, { sink: second.sink, resume: true });
    assert.equal(resumed.step, extra.maxSteps);
    assert.equal(resumed.adaptersSha256, straight.adaptersSha256);
    assert.equal(resumed.weightsSha256, straight.weightsSha256);
    assert.equal(optimizerHash(resumed.checkpoint), optimizerHash(straight.checkpoint));
    const losses = (cs: ReturnType<typeof collector>[]) => cs.flatMap((c) => c.of('step').map((e) => e.loss));
    assert.deepEqual(losses([first, second]), losses([whole]));
    assert.equal(resumed.evalLoss, straight.evalLoss);
  }
});

test('a LoRA checkpoint reads as the merged model: export, inference, the loss verb and model.init', async (t) => {
  const root = tempDir(t);
  const out = path.join(root, 'run');
  const outcome = await runTraining(
    tinyConfig(out, lora({ maxSteps: 6, checkpointEvery: 6, evalEvery: 6 })),
    {
      sink: () => {},
    },
  );
  const saved = loadCheckpoint(outcome.checkpoint);
  const cfg = saved.config;
  const specs = loraParams(cfg, saved.lora!);

  // Reference: the unmerged adapter graph on the base weights and the adapters.
  const graph = buildLogitsGraph(cfg, { dtype: 'float32', positions: 'last', lora: saved.lora! });
  const session = await openSession(graph);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: ortTensor('int64', BigInt64Array.from(PROMPT, BigInt), [1, PROMPT.length]),
  };
  for (const [name, w] of saved.base!) feeds[name] = ortTensor('float32', w.data, w.shape);
  for (const s of specs) feeds[s.name] = ortTensor('float32', saved.state.params.get(s.name)!, s.shape);
  const reference = (await session.run(feeds))['logits']!.data as Float32Array;
  const maxDiff = (a: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - reference[i]!)), 0);

  // export-model's path: the run folder (newest checkpoint), merged into plain GPT-2.
  const exported = await exportForInference(out, path.join(root, 'export'));
  const onnx = await ort.InferenceSession.create(path.join(exported.dir, 'onnx', 'model.onnx'));
  const D = cfg.nEmbd / cfg.nHead;
  const empty = new ort.Tensor('float32', new Float32Array(0), [1, cfg.nHead, 0, D]);
  const ids = (values: number[]) =>
    ortTensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const kv: Record<string, ort.Tensor> = {
    attention_mask: ids(PROMPT.map(() => 1)),
    position_ids: ids(PROMPT.map((_, i) => i)),
  };
  for (let i = 0; i < cfg.nLayer; i++)
    Object.assign(kv, { [`past_key_values.${i}.key`]: empty, [`past_key_values.${i}.value`]: empty });
  // logits [1, S, V]: the last position's row.
  const fromExport = (
    (await onnx.run({ input_ids: feeds['input_ids']!, ...kv }))['logits']!.data as Float32Array
  ).slice(-cfg.vocabSize);
  t.diagnostic(`export vs unmerged adapters: max |Δlogit| ${maxDiff(fromExport).toExponential(2)}`);
  assert.ok(maxDiff(fromExport) < 1e-5);
  assert.ok(!exported.manifest.model.inputs.some((n) => n.includes('lora')), 'plain GPT-2 inputs');

  // explain's path: the run folder opened in memory.
  const opened = await openInferenceModel(out);
  try {
    assert.equal(opened.kind, 'hf-folder');
    assert.ok(maxDiff((await opened.model.step(PROMPT)).logits) < 1e-5);
  } finally {
    await opened.release();
  }

  // The merged weights are the same everywhere: loadGpt2Folder, checkpointWeights, model.init of a new run.
  const merged = loadGpt2Folder(outcome.checkpoint);
  assert.deepEqual(merged.lora, saved.lora);
  const viaCheckpoint = checkpointWeights(saved);
  for (const [name, w] of merged.weights) assert.ok(bitsEqual(w.data, viaCheckpoint.get(name)!), name);
  const init = await initialModel(
    tinyConfig(path.join(root, 'next'), { model: { init: outcome.checkpoint, config: undefined } }),
  );
  assert.ok(
    bitsEqual(init.weights.get('h.0.attn.c_attn.weight')!.data, viaCheckpoint.get('h.0.attn.c_attn.weight')!),
  );
  assert.ok(
    !bitsEqual(
      merged.weights.get('h.0.attn.c_attn.weight')!.data,
      saved.base!.get('h.0.attn.c_attn.weight')!.data,
    ),
  );
  const base = loadGpt2Folder(outcome.checkpoint, { adapters: 'ignore' });
  assert.equal(base.lora, undefined);

  // The loss verb on the checkpoint equals the run's own evaluation of the unmerged adapters.
  const loss = await checkpointLoss({ checkpoint: outcome.checkpoint, dataFile: evalFile, batchSize: 2 });
  t.diagnostic(`loss verb ${loss.loss} vs training eval ${outcome.evalLoss}`);
  assert.ok(Math.abs(loss.loss - outcome.evalLoss!) < 1e-4);
});

test('mismatched resumes are refused by name, a different lora.dropout included', async (t) => {
  const refused = async (config: ReturnType<typeof tinyConfig>, message: RegExp, hint: RegExp) =>
    assert.rejects(runTraining(config, { sink: () => {}, resume: true }), (e: MiniAstroError) => {
      assert.ok(e instanceof MiniAstroError);
      assert.equal(e.kind, 'usage');
      assert.match(e.message, message);
      assert.match(e.hint, hint);
      return true;
    });
  const root = tempDir(t);
  const run = { maxSteps: 2, checkpointEvery: 2, evalEvery: 0 };
  const loraDir = path.join(root, 'lora');
  await runTraining(tinyConfig(loraDir, lora(run)), { sink: () => {} });
  await refused(
    tinyConfig(loraDir, { ...run, lora: { ...LORA, rank: 2 }, optimizer: { lr: 1e-2 } }),
    /its LoRA adapters are rank 4, alpha 8, targets \[c_attn, c_proj, c_fc\]; the config asks for rank 2/,
    /Resume with the adapters' settings/,
  );
  await refused(
    tinyConfig(loraDir, { ...run, lora: { ...LORA, targets: ['c_attn'] }, optimizer: { lr: 1e-2 } }),
    /the config asks for rank 4, alpha 8, targets \[c_attn\]/,
    /model\.init: /,
  );
  await refused(
    tinyConfig(loraDir, { ...run, optimizer: { lr: 1e-2 } }),
    /it is a LoRA run .*lora\.enabled: false/,
    /Set lora back/,
  );
  const fullDir = path.join(root, 'full');
  await runTraining(tinyConfig(fullDir, run), { sink: () => {} });
  await refused(
    tinyConfig(fullDir, lora(run)),
    /it is a full fine-tuning run .*lora\.enabled: true/,
    /Set lora\.enabled: false/,
  );

  await refused(
    tinyConfig(loraDir, { ...run, lora: { ...LORA, dropout: 0.1 }, optimizer: { lr: 1e-2 } }),
    /its LoRA adapters are rank 4, alpha 8, targets \[c_attn, c_proj, c_fc\], dropout 0; the config asks for .*, dropout 0\.1\./,
    /Resume with the adapters' settings/,
  );
  const dropoutDir = path.join(root, 'dropout');
  await runTraining(
    tinyConfig(dropoutDir, { ...run, lora: { ...LORA, dropout: 0.2 }, optimizer: { lr: 1e-2 } }),
    {
      sink: () => {},
    },
  );
  await refused(
    tinyConfig(dropoutDir, lora(run)),
    /targets \[c_attn, c_proj, c_fc\], dropout 0\.2; the config asks for .*, dropout 0\./,
    /Resume with the adapters' settings/,
  );
});
