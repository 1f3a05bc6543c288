// Export folders: what is written, that onnxruntime-node opens model.onnx by path, that its logits equal the
// project's in-memory graph (weights as inputs), atomic replacement, and refusals that leave nothing behind.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildLogitsGraph, openSession, opTypesOf, ortTensor } from '../../../src/student/graph';
import {
  exportForInference,
  MANIFEST_FILE,
  MODEL_FILE,
  readManifest,
  weightsSha256,
} from '../../../src/student/infer/export';
import { channelAxis, isQuantizable, quantizePerChannel } from '../../../src/student/infer/int8';
import { kvModelFromWeights, openInferenceModel } from '../../../src/student/infer/open';
import { initGpt2Weights, loadGpt2Folder, saveGpt2Folder, tinyGpt2Config } from '../../../src/student/model';
import { tempDir } from '../../helpers/tmp';
import { maxAbsDiff, tinyModelFolder } from './helpers';

const PROMPT = [464, 1402, 318, 257, 1332, 13, 198];

/** Logits of the last position for `ids` and one more token through the cache, from the exported file. */
async function exportedLogits(
  file: string,
  config: { nLayer: number; nHead: number; nEmbd: number },
  next: number,
) {
  const session = await ort.InferenceSession.create(file);
  const D = config.nEmbd / config.nHead;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(PROMPT, BigInt), [1, PROMPT.length]),
  };
  for (let i = 0; i < config.nLayer; i++) {
    for (const kind of ['key', 'value'])
      feeds[`past.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, config.nHead, 0, D]);
  }
  const first = await session.run(feeds);
  const step: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(next)]), [1, 1]),
  };
  for (let i = 0; i < config.nLayer; i++) {
    for (const kind of ['key', 'value']) step[`past.${i}.${kind}`] = first[`present.${i}.${kind}`]!;
  }
  const second = await session.run(step);
  return {
    first: first['logits']!.data as Float32Array,
    second: second['logits']!.data as Float32Array,
    presentDims: second['present.0.key']!.dims,
  };
}

test('an export folder holds model, config, tokenizer, generation config and manifest; ORT opens it by path', async (t) => {
  const { root, dir, config, weights } = tinyModelFolder(t);
  const out = path.join(root, 'export');
  const result = await exportForInference(dir, out);
  assert.equal(result.dir, out);
  assert.deepEqual(readdirSync(out).sort(), [
    'config.json',
    'generation_config.json',
    'merges.txt',
    MANIFEST_FILE,
    MODEL_FILE,
    'vocab.json',
  ]);
  // Nothing left beside it: the temporary folder was renamed into place.
  assert.deepEqual(readdirSync(root).sort(), ['export', 'hf']);

  const manifest = readManifest(out);
  assert.equal(manifest.source.weightsSha256, weightsSha256(weights));
  assert.equal(
    manifest.source.weightsSha256,
    weightsSha256(loadGpt2Folder(dir).weights),
    'same hash after a round trip',
  );
  assert.equal(manifest.model.bytes, statSync(path.join(out, MODEL_FILE)).size);
  assert.equal(manifest.promptTemplate, 'abstract-explanation-v1');
  assert.equal(manifest.model.weights, 'float32');
  assert.deepEqual(manifest.generation, {
    maxNewTokens: 320,
    stopAtEos: true,
    repetitionPenalty: 1,
    noRepeatNgramSize: 0,
  });
  const generation = JSON.parse(readFileSync(path.join(out, 'generation_config.json'), 'utf8'));
  assert.equal(generation.do_sample, false);
  assert.equal(generation.eos_token_id, 50256);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).n_embd, config.nEmbd);

  // Plain ONNX, weights inside: the only inputs are the ids and the cache.
  const bytes = readFileSync(path.join(out, MODEL_FILE));
  assert.ok(opTypesOf(bytes).every((n) => n.domain === ''));
  assert.ok(!bytes.includes('com.microsoft'));
  const session = await ort.InferenceSession.create(path.join(out, MODEL_FILE));
  assert.deepEqual([...session.inputNames].sort(), manifest.model.inputs.slice().sort());
  assert.deepEqual([...session.outputNames].sort(), manifest.model.outputs.slice().sort());
  assert.ok(!session.inputNames.includes('wte.weight'));
});

test('logits of the exported model equal the in-memory graph with weights as inputs (prompt and a cached step)', async (t) => {
  const { root, dir, config, weights } = tinyModelFolder(t, {}, 9);
  const out = path.join(root, 'export');
  await exportForInference(dir, out);
  const got = await exportedLogits(path.join(out, MODEL_FILE), config, 881);
  assert.deepEqual(got.presentDims, [1, config.nHead, PROMPT.length + 1, config.nEmbd / config.nHead]);

  const reference = await openSession(buildLogitsGraph(config, { dtype: 'float32', positions: 'all' }));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of weights) feeds[name] = ortTensor('float32', tensor.data, tensor.shape);
  const ids = [...PROMPT, 881];
  const all = await reference.run({
    ...feeds,
    input_ids: ortTensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
  });
  const logits = all['logits']!.data as Float32Array;
  const V = config.vocabSize;
  const atPrompt = logits.subarray((PROMPT.length - 1) * V, PROMPT.length * V);
  const atNext = logits.subarray(PROMPT.length * V, (PROMPT.length + 1) * V);
  const err1 = maxAbsDiff(got.first, atPrompt);
  const err2 = maxAbsDiff(got.second, atNext);
  t.diagnostic(`max |Δlogit| prompt ${err1.toExponential(2)}, cached step ${err2.toExponential(2)}`);
  assert.ok(err1 < 1e-5 && err2 < 1e-5, `${err1} ${err2}`);

  // The HF folder opened directly compiles the same graph: same logits.
  const opened = await openInferenceModel(dir);
  const step = await opened.model.step(PROMPT);
  assert.ok(maxAbsDiff(step.logits, got.first) < 1e-6);
  await opened.release();
});

test('re-exporting replaces an export folder; other folders are refused unless forced; the source is checked', async (t) => {
  const { root, dir } = tinyModelFolder(t);
  const out = path.join(root, 'export');
  const first = await exportForInference(dir, out);
  const second = await exportForInference(dir, out, {
    promptTemplate: 'abstract-explanation-v1',
    generation: {
      maxNewTokens: 100,
      stopAtEos: false,
      repetitionPenalty: 1.2,
      noRepeatNgramSize: 4,
    },
  });
  assert.equal(second.manifest.source.weightsSha256, first.manifest.source.weightsSha256);
  assert.equal(readManifest(out).generation.maxNewTokens, 100);
  const hfGen = JSON.parse(readFileSync(path.join(out, 'generation_config.json'), 'utf8'));
  assert.equal(hfGen.eos_token_id, undefined, 'stopAtEos false: no eos_token_id for transformers to stop at');
  assert.equal(hfGen.no_repeat_ngram_size, 4);
  assert.deepEqual(readdirSync(root).sort(), ['export', 'hf']);

  const busy = path.join(root, 'busy');
  mkdirSync(busy);
  writeFileSync(path.join(busy, 'notes.txt'), 'mine');
  await assert.rejects(exportForInference(dir, busy), { kind: 'usage', message: /not an export folder/ });
  assert.equal(readFileSync(path.join(busy, 'notes.txt'), 'utf8'), 'mine');
  await exportForInference(dir, busy, { force: true });
  assert.ok(existsSync(path.join(busy, MODEL_FILE)) && !existsSync(path.join(busy, 'notes.txt')));

  await assert.rejects(exportForInference(dir, dir), { kind: 'usage' });
  await assert.rejects(exportForInference(out, path.join(root, 'again')), {
    kind: 'badInput',
    message: /already an export/,
  });
  await assert.rejects(exportForInference(dir, path.join(root, 'x'), { promptTemplate: 'nope' }), {
    kind: 'badInput',
    message: /Unknown prompt template/,
  });
  await assert.rejects(exportForInference(path.join(root, 'missing'), path.join(root, 'y')), {
    kind: 'badInput',
  });
  assert.deepEqual(readdirSync(root).sort(), ['busy', 'export', 'hf']);
});

test('a model whose vocabulary is smaller than the tokenizer is refused, leaving nothing behind', async (t) => {
  const root = tempDir(t);
  const config = tinyGpt2Config();
  saveGpt2Folder(path.join(root, 'hf'), config, initGpt2Weights(config, { seed: 1 }));
  await assert.rejects(exportForInference(path.join(root, 'hf'), path.join(root, 'out')), {
    kind: 'badInput',
    message: /tokenizer has 50257 tokens but the model's vocab_size is 96/,
  });
  assert.deepEqual(readdirSync(root), ['hf']);
});

test('int8 export: about 4x smaller, loads in ORT, logits close to float32', async (t) => {
  const { root, dir, config, weights } = tinyModelFolder(t, { nEmbd: 32 }, 4);
  const f32 = await exportForInference(dir, path.join(root, 'f32'));
  const q8 = await exportForInference(dir, path.join(root, 'q8'), { int8: true });
  assert.equal(q8.manifest.model.weights, 'int8');
  const ratio = f32.manifest.model.bytes / q8.manifest.model.bytes;
  t.diagnostic(
    `model.onnx ${f32.manifest.model.bytes} → ${q8.manifest.model.bytes} bytes (${ratio.toFixed(2)}x)`,
  );
  assert.ok(ratio > 3.5);
  const bytes = readFileSync(path.join(root, 'q8', MODEL_FILE));
  assert.ok(opTypesOf(bytes).every((n) => n.domain === ''));
  assert.ok(opTypesOf(bytes).some((n) => n.opType === 'DequantizeLinear'));
  const a = await exportedLogits(path.join(root, 'f32', MODEL_FILE), config, 881);
  // Plain ORT with its default settings opens it too (it may fuse DequantizeLinear into integer kernels:
  // close to float32, not bit-equal to the folded form below).
  const b = await exportedLogits(path.join(root, 'q8', MODEL_FILE), config, 881);
  const spread = Math.max(...a.first) - Math.min(...a.first);
  const err = maxAbsDiff(a.first, b.first) / spread;
  t.diagnostic(`int8: max |Δlogit| / logit range ${err.toExponential(2)}`);
  assert.ok(err < 0.02, `${err}`);
  // Through openInferenceModel, DequantizeLinear is folded at load: the model computes in float32 with the
  // rounded weights, exactly as a float32 model holding q * scale would.
  const rounded = new Map(
    [...weights].map(([name, w]) => {
      if (!isQuantizable(name, w.shape, 1)) return [name, w];
      const [rows, cols] = w.shape as [number, number];
      const axis = channelAxis(name);
      const { q, scales } = quantizePerChannel(w.data, rows, cols, axis);
      const data = Float32Array.from(q, (v, i) => v * scales[axis === 0 ? Math.floor(i / cols) : i % cols]!);
      return [name, { shape: w.shape, data }];
    }),
  );
  const reference = await kvModelFromWeights(config, rounded);
  const opened = await openInferenceModel(path.join(root, 'q8'));
  const want = await reference.step(PROMPT);
  const got = await opened.model.step(PROMPT);
  const folded = maxAbsDiff(got.logits, want.logits);
  t.diagnostic(`folded int8 vs float32 with the rounded weights: max |Δlogit| ${folded.toExponential(2)}`);
  assert.ok(folded < 1e-5, `${folded}`);
  await reference.release();
  await opened.release();
});
