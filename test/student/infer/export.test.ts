// Export folders: what is written (a Hugging Face folder with onnx/ as transformers.js expects), that the
// exported float32 model's logits (prompt, then a cached step through past_key_values) equal the project's own
// graph, that the decoder reads the weights back out of those files, atomic replacement, refusals that leave
// nothing behind, and old (version 1) folders refused with the command that re-exports them.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { opTypesOf } from '../../../src/student/graph';
import {
  exportForInference,
  MANIFEST_FILE,
  MODEL_FILE,
  MODEL_FILES,
  readManifest,
  weightsSha256,
} from '../../../src/student/infer/export';
import { pastKeyValuesName, presentName } from '../../../src/student/infer/hfGraph';
import { openInferenceModel } from '../../../src/student/infer/open';
import { initGpt2Weights, loadGpt2Folder, saveGpt2Folder, tinyGpt2Config } from '../../../src/student/model';
import { defaultTokenizer, loadTokenizer } from '../../../src/student/tokenizer';
import { tempDir } from '../../helpers/tmp';
import { maxAbsDiff, referenceLogits, rowOf, tinyModelFolder } from './helpers';

const PROMPT = [464, 1402, 318, 257, 1332, 13, 198];

/** Runs an exported file as transformers.js does: the prompt, then one token fed with the returned cache. */
async function runLikeTransformersJs(
  file: string,
  config: { nLayer: number; nHead: number; nEmbd: number },
  next: number,
) {
  const session = await ort.InferenceSession.create(file);
  const D = config.nEmbd / config.nHead;
  const ids = (values: number[]) =>
    new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: ids(PROMPT),
    attention_mask: ids(PROMPT.map(() => 1)),
    position_ids: ids(PROMPT.map((_, i) => i)),
  };
  for (let i = 0; i < config.nLayer; i++) {
    for (const kind of ['key', 'value'] as const)
      feeds[pastKeyValuesName(i, kind)] = new ort.Tensor('float32', new Float32Array(0), [
        1,
        config.nHead,
        0,
        D,
      ]);
  }
  const first = await session.run(feeds);
  const step: Record<string, ort.Tensor> = {
    input_ids: ids([next]),
    attention_mask: ids([...PROMPT, next].map(() => 1)),
    position_ids: ids([PROMPT.length]),
  };
  for (let i = 0; i < config.nLayer; i++) {
    for (const kind of ['key', 'value'] as const)
      step[pastKeyValuesName(i, kind)] = first[presentName(i, kind)]!;
  }
  const second = await session.run(step);
  await session.release();
  return {
    first: first['logits']!,
    second: second['logits']!.data as Float32Array,
    presentDims: second[presentName(0, 'key')]!.dims,
  };
}

test('an export folder is a Hugging Face folder with onnx/model.onnx and model_quantized.onnx, plus the manifest', async (t) => {
  const { root, dir, config, weights } = tinyModelFolder(t);
  const out = path.join(root, 'export');
  const result = await exportForInference(dir, out);
  assert.equal(result.dir, out);
  assert.deepEqual(readdirSync(out).sort(), [
    'config.json',
    'generation_config.json',
    'merges.txt',
    MANIFEST_FILE,
    'model.safetensors',
    'onnx',
    'special_tokens_map.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'vocab.json',
  ]);
  assert.deepEqual(readdirSync(path.join(out, 'onnx')).sort(), ['model.onnx', 'model_quantized.onnx']);
  // Nothing left beside it: the temporary folder was renamed into place.
  assert.deepEqual(readdirSync(root).sort(), ['export', 'hf']);

  const manifest = readManifest(out);
  assert.equal(manifest.source.weightsSha256, weightsSha256(weights));
  assert.equal(manifest.model.weights, 'float32');
  assert.equal(manifest.model.files.float32!.bytes, statSync(path.join(out, MODEL_FILE)).size);
  assert.equal(manifest.model.files.int8!.file, MODEL_FILES.int8);
  assert.equal(manifest.model.files.int4, undefined);
  assert.equal(manifest.promptTemplate, 'abstract-explanation-v1');
  assert.equal(manifest.generation.maxNewTokens, 320);
  const generation = JSON.parse(readFileSync(path.join(out, 'generation_config.json'), 'utf8'));
  assert.equal(generation.do_sample, false);
  assert.equal(generation.eos_token_id, 50256);
  const hfConfig = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(hfConfig.model_type, 'gpt2');
  assert.equal(hfConfig.n_embd, config.nEmbd);
  const tokenizerConfig = JSON.parse(readFileSync(path.join(out, 'tokenizer_config.json'), 'utf8'));
  assert.equal(tokenizerConfig.tokenizer_class, 'GPT2Tokenizer');
  assert.equal(tokenizerConfig.add_bos_token, false);
  for (const key of ['bos_token', 'eos_token', 'unk_token'])
    assert.equal(tokenizerConfig[key], '<|endoftext|>');
  // model.safetensors for Python tools: the same tensors.
  assert.equal(weightsSha256(loadGpt2Folder(out).weights), weightsSha256(weights));
  // tokenizer.json (what transformers.js reads) gives GPT-2's ids, and names <|endoftext|> as special.
  const text = 'Magnetars spin down <|endoftext|> fast, at 10^{15} G.';
  const fromJson = loadTokenizer({ tokenizerJson: path.join(out, 'tokenizer.json') });
  assert.deepEqual(fromJson.encode(text), defaultTokenizer().encode(text));
  assert.deepEqual(
    fromJson.encode(text, { allowSpecial: true }),
    defaultTokenizer().encode(text, { allowSpecial: true }),
  );

  // model.onnx is plain ONNX with the names transformers.js feeds; the 8-bit file adds only MatMulNBits.
  const bytes = readFileSync(path.join(out, MODEL_FILE));
  assert.ok(opTypesOf(bytes).every((n) => n.domain === ''));
  const quantized = opTypesOf(readFileSync(path.join(out, MODEL_FILES.int8)));
  assert.deepEqual(
    [...new Set(quantized.filter((n) => n.domain !== '').map((n) => n.opType))],
    ['MatMulNBits'],
  );
  const session = await ort.InferenceSession.create(path.join(out, MODEL_FILE));
  assert.deepEqual([...session.inputNames].sort(), manifest.model.inputs.slice().sort());
  assert.deepEqual([...session.outputNames].sort(), manifest.model.outputs.slice().sort());
  assert.ok(
    session.inputNames.includes('past_key_values.0.key') && session.outputNames.includes('present.1.value'),
  );
  await session.release();
});

test('exported logits ([batch, seq, vocab], prompt and a cached step) equal the project graph; the decoder reads them back', async (t) => {
  const { root, dir, config, weights } = tinyModelFolder(t, {}, 9);
  const out = path.join(root, 'export');
  await exportForInference(dir, out);
  const got = await runLikeTransformersJs(path.join(out, MODEL_FILE), config, 881);
  assert.deepEqual(got.first.dims, [1, PROMPT.length, config.vocabSize]);
  assert.deepEqual(got.presentDims, [1, config.nHead, PROMPT.length + 1, config.nEmbd / config.nHead]);

  const V = config.vocabSize;
  const all = await referenceLogits(config, weights, [...PROMPT, 881]);
  const first = got.first.data as Float32Array;
  let promptErr = 0;
  for (let p = 0; p < PROMPT.length; p++) {
    promptErr = Math.max(promptErr, maxAbsDiff(rowOf(first, p, V), rowOf(all, p, V)));
  }
  const stepErr = maxAbsDiff(got.second, rowOf(all, PROMPT.length, V));
  t.diagnostic(`max |Δlogit| prompt ${promptErr.toExponential(2)}, cached step ${stepErr.toExponential(2)}`);
  assert.ok(promptErr < 1e-5 && stepErr < 1e-5, `${promptErr} ${stepErr}`);

  // The decoder runs weights read out of onnx/model.onnx, and the HF folder's safetensors: the same logits.
  for (const folder of [out, dir]) {
    const opened = await openInferenceModel(folder);
    assert.equal(opened.weights, 'float32');
    const step = await opened.model.step(PROMPT);
    const next = await opened.model.step([881], step.cache);
    assert.ok(maxAbsDiff(step.logits, rowOf(all, PROMPT.length - 1, V)) < 1e-5);
    assert.ok(maxAbsDiff(next.logits, rowOf(all, PROMPT.length, V)) < 1e-5);
    await opened.release();
  }
});

test('re-exporting replaces an export folder; other folders are refused unless --force; the source is checked', async (t) => {
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
  await assert.rejects(exportForInference(dir, busy), {
    kind: 'usage',
    message: /not an export folder/,
    hint: /pass --force to replace it/,
  });
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

test('an export folder of the first format is refused with the command that exports it again', async (t) => {
  const { root, dir } = tinyModelFolder(t);
  const old = path.join(root, 'old');
  mkdirSync(old);
  writeFileSync(path.join(old, 'model.onnx'), 'not read');
  writeFileSync(
    path.join(old, MANIFEST_FILE),
    JSON.stringify({ format: 'miniastrolm-inference-export', version: 1, source: { path: dir } }),
  );
  await assert.rejects(openInferenceModel(old), {
    kind: 'badInput',
    message: /export format version 1, this build reads version 2/,
    hint: new RegExp(`miniastrolm export-model --model ${dir} --out ${old}`),
  });
});
