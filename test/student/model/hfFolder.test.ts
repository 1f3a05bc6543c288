// Hugging Face folders: both GPT-2 naming forms (with lm_head tied, with mask buffers) load to the same weights,
// sharded checkpoints load, our saves are in GPT2LMHeadModel form, and mismatches are listed clearly.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMiniAstroError } from '../../../src/core/errors';
import { configToHfJson, tinyGpt2Config } from '../../../src/student/model/config';
import { loadGpt2Folder, saveGpt2Folder } from '../../../src/student/model/hfFolder';
import { initGpt2Weights } from '../../../src/student/model/init';
import { readSafetensorsHeader, writeSafetensors } from '../../../src/student/model/safetensors';
import {
  expectedShapes,
  type Gpt2Weights,
  type Tensor,
  validateWeights,
} from '../../../src/student/model/weights';
import { tempDir } from '../../helpers/tmp';

const config = tinyGpt2Config(); // 2 layers, 2 heads, 16 embd, 32 positions, vocab 96
const weights = initGpt2Weights(config, { seed: 3 });

const bits = (data: Float32Array) => [...new Uint32Array(data.buffer, data.byteOffset, data.length)];

function assertSameWeights(actual: Gpt2Weights, expected: Gpt2Weights): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, tensor] of expected) {
    assert.deepEqual(actual.get(name)?.shape, tensor.shape, name);
    assert.deepEqual(bits(actual.get(name)!.data), bits(tensor.data), name);
  }
}

function writeConfig(dir: string, json: Record<string, unknown> = configToHfJson(config)): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(json, null, 2));
}

/** The causal-mask buffer older transformers saved per layer: tril(ones) as [1, 1, n_positions, n_positions]. */
function maskBuffer(n: number): Tensor {
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) data[i * n + j] = 1;
  return { shape: [1, 1, n, n], data };
}

function badInput(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isMiniAstroError(error), `expected MiniAstroError, got ${String(error)}`);
    assert.equal(error.kind, 'badInput');
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

test('save writes the GPT2LMHeadModel form (transformer.*, head tied so absent, format pt) and loads back exactly', (t) => {
  const dir = path.join(tempDir(t), 'ours');
  const written = saveGpt2Folder(dir, config, weights, { metadata: { seed: '3' } });
  assert.deepEqual(
    written.map((f) => path.basename(f)),
    ['model.safetensors', 'config.json', 'generation_config.json'],
  );
  const header = readSafetensorsHeader(path.join(dir, 'model.safetensors'));
  assert.deepEqual(header.metadata, { format: 'pt', seed: '3' });
  const names = header.entries.map((e) => e.name);
  assert.ok(
    names.every((n) => n.startsWith('transformer.')),
    names.join(),
  );
  assert.ok(!names.includes('lm_head.weight'));
  assert.equal(names.length, expectedShapes(config).size);
  const json = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(json['model_type'], 'gpt2');
  assert.deepEqual(json['architectures'], ['GPT2LMHeadModel']);
  assert.equal(json['tie_word_embeddings'], true);
  assert.equal(json['n_layer'], 2);
  assert.equal(json['torch_dtype'], 'float32');
  const generation = JSON.parse(readFileSync(path.join(dir, 'generation_config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal(generation['eos_token_id'], 95);

  const loaded = loadGpt2Folder(dir);
  assert.deepEqual(loaded.config, config);
  assertSameWeights(loaded.weights, weights);
  assert.equal(loaded.metadata['seed'], '3');
});

test('the transformer.-prefixed form with a tied lm_head and the bare openai-community/gpt2 form with mask buffers load alike', (t) => {
  const root = tempDir(t);

  const prefixed = path.join(root, 'prefixed');
  writeConfig(prefixed);
  const withHead = new Map<string, Tensor>();
  for (const [name, tensor] of weights) withHead.set(`transformer.${name}`, tensor);
  withHead.set('lm_head.weight', { shape: [96, 16], data: weights.get('wte.weight')!.data.slice() });
  writeSafetensors(path.join(prefixed, 'model.safetensors'), withHead);

  const bare = path.join(root, 'bare');
  const { tie_word_embeddings: _tied, n_positions: _n, ...oldStyle } = configToHfJson(config); // n_ctx only
  writeConfig(bare, oldStyle);
  const withBuffers = new Map<string, Tensor>(weights);
  for (let layer = 0; layer < config.nLayer; layer++) {
    withBuffers.set(`h.${layer}.attn.bias`, maskBuffer(config.nPositions));
    withBuffers.set(`h.${layer}.attn.masked_bias`, { shape: [], data: new Float32Array([-1e4]) });
  }
  writeSafetensors(path.join(bare, 'model.safetensors'), withBuffers);

  const a = loadGpt2Folder(prefixed);
  const b = loadGpt2Folder(bare);
  assertSameWeights(a.weights, weights);
  assertSameWeights(b.weights, weights);
  assert.deepEqual(a.config, b.config);
});

test('a sharded checkpoint (model.safetensors.index.json + shards) loads; an F16 save loads rounded', (t) => {
  const root = tempDir(t);
  const dir = path.join(root, 'sharded');
  writeConfig(dir);
  const names = [...weights.keys()];
  const shards = [names.slice(0, 10), names.slice(10)];
  const weightMap: Record<string, string> = {};
  shards.forEach((group, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    const tensors = new Map<string, Tensor>();
    for (const name of group) {
      tensors.set(`transformer.${name}`, weights.get(name)!);
      weightMap[`transformer.${name}`] = file;
    }
    writeSafetensors(path.join(dir, file), tensors);
  });
  writeFileSync(
    path.join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }),
  );
  assertSameWeights(loadGpt2Folder(dir).weights, weights);

  // An index pointing outside the folder is refused.
  writeFileSync(
    path.join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ weight_map: { ...weightMap, 'transformer.wte.weight': '../elsewhere.safetensors' } }),
  );
  badInput(() => loadGpt2Folder(dir), /not a file name in the folder/);

  const half = path.join(root, 'half');
  saveGpt2Folder(half, config, weights, { dtype: 'F16', generationConfig: false });
  assert.equal(readSafetensorsHeader(path.join(half, 'model.safetensors')).entries[0]?.dtype, 'F16');
  const halfConfig = JSON.parse(readFileSync(path.join(half, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal(halfConfig['torch_dtype'], 'float16');
  assert.equal(existsSync(path.join(half, 'generation_config.json')), false);
  const loaded = loadGpt2Folder(half).weights.get('h.0.mlp.c_fc.weight')!.data;
  const original = weights.get('h.0.mlp.c_fc.weight')!.data;
  // Half keeps 11 significant bits; below 2^-14 it is subnormal, with a fixed step of 2^-24.
  for (let i = 0; i < original.length; i++) {
    const tolerance = Math.max(Math.abs(original[i]!) * 2 ** -11, 2 ** -25);
    assert.ok(Math.abs(loaded[i]! - original[i]!) <= tolerance, `${original[i]} -> ${loaded[i]}`);
  }
});

test('missing, unexpected and wrongly shaped tensors are all listed in one error', (t) => {
  const dir = path.join(tempDir(t), 'broken');
  writeConfig(dir);
  const broken = new Map(weights);
  broken.delete('h.1.mlp.c_fc.bias');
  broken.delete('ln_f.weight');
  broken.set('h.2.attn.c_attn.weight', { shape: [16, 48], data: new Float32Array(16 * 48) });
  broken.set('wpe.weight', { shape: [16, 32], data: new Float32Array(16 * 32) }); // transposed
  writeSafetensors(path.join(dir, 'model.safetensors'), broken);
  badInput(
    () => loadGpt2Folder(dir),
    new RegExp(dir.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')),
    /missing 2: h\.1\.mlp\.c_fc\.bias, ln_f\.weight/,
    /unexpected 1: h\.2\.attn\.c_attn\.weight/,
    /wrong shape 1: wpe\.weight is \[16, 32\], expected \[32, 16\]/,
  );

  // The same check on weights in memory.
  badInput(() => validateWeights(tinyGpt2Config({ nLayer: 3 }), weights), /missing 12: h\.2\.ln_1\.weight/);
  badInput(
    () => saveGpt2Folder(path.join(dir, 'never'), config, broken),
    /weights to save: tensors do not match the config/,
  );
});

test('untied heads, ambiguous names and folders without safetensors weights are refused', (t) => {
  const root = tempDir(t);

  const untied = path.join(root, 'untied');
  writeConfig(untied);
  const head = weights.get('wte.weight')!.data.slice();
  head[0] = head[0]! + 1;
  writeSafetensors(path.join(untied, 'model.safetensors'), [
    ...weights,
    ['lm_head.weight', { shape: [96, 16], data: head }],
  ]);
  badInput(() => loadGpt2Folder(untied), /lm_head\.weight differs from the token embedding/);

  const mixed = path.join(root, 'mixed');
  writeConfig(mixed);
  writeSafetensors(path.join(mixed, 'model.safetensors'), [
    ...weights,
    ['transformer.wte.weight', weights.get('wte.weight')!],
  ]);
  badInput(
    () => loadGpt2Folder(mixed),
    /both "transformer\.wte\.weight" and "wte\.weight"|both "wte\.weight" and "transformer\.wte\.weight"/,
  );

  const torchOnly = path.join(root, 'torch');
  writeConfig(torchOnly);
  writeFileSync(path.join(torchOnly, 'pytorch_model.bin'), 'PK');
  badInput(() => loadGpt2Folder(torchOnly), /pytorch_model\.bin but no model\.safetensors/);

  const empty = path.join(root, 'empty');
  writeConfig(empty);
  badInput(() => loadGpt2Folder(empty), /no model\.safetensors or model\.safetensors\.index\.json/);

  const noConfig = path.join(root, 'noconfig');
  mkdirSync(noConfig);
  badInput(() => loadGpt2Folder(noConfig), /no config\.json/);

  const badJson = path.join(root, 'badjson');
  mkdirSync(badJson);
  writeFileSync(path.join(badJson, 'config.json'), '{"n_layer": 2,');
  badInput(() => loadGpt2Folder(badJson), /config\.json: not valid JSON/);

  // Weights not read at all when the config is wrong: the error is about the config.
  const wrongConfig = path.join(root, 'wrongconfig');
  writeConfig(wrongConfig, { ...configToHfJson(config), n_head: 3 });
  badInput(
    () => loadGpt2Folder(wrongConfig),
    /config\.json: n_embd \(16\) must be a multiple of n_head \(3\)/,
  );
});
