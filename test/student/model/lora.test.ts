// PEFT's adapter files: written with PEFT's names and nn.Linear layout (A [r, in], B [out, r]), read back bit for
// bit in ours (A [in, r], B [r, out]); a GPT-2 folder holding them loads merged; what we cannot represent is
// refused with the file and the reason.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import {
  type LoraAdapters,
  loadLoraAdapters,
  mergeLora,
  readSafetensors,
  saveLoraAdapters,
  writeSafetensors,
} from '../../../src/student/model';
import { tinyGpt2Config } from '../../../src/student/model/config';
import { loadGpt2Folder, saveGpt2Folder } from '../../../src/student/model/hfFolder';
import { initGpt2Weights } from '../../../src/student/model/init';
import { tempDir } from '../../helpers/tmp';

const config = tinyGpt2Config(); // 2 layers, 16 wide
const C = config.nEmbd;

function adapters(): LoraAdapters {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let k = 1;
  for (const [name, fanIn, fanOut] of [
    ['h.0.attn.c_attn', C, 3 * C],
    ['h.1.mlp.c_proj', 4 * C, C],
  ] as const) {
    const a = Float32Array.from({ length: fanIn * 2 }, () => Math.fround(Math.sin(k++)));
    const b = Float32Array.from({ length: 2 * fanOut }, () => Math.fround(Math.cos(k++)));
    tensors.set(`${name}.lora_A`, { shape: [fanIn, 2], data: a });
    tensors.set(`${name}.lora_B`, { shape: [2, fanOut], data: b });
  }
  return { settings: { rank: 2, alpha: 4, targets: ['c_attn', 'mlp.c_proj'] }, tensors };
}

test('adapters round-trip through PEFT layout bit for bit; the folder loads merged', (t) => {
  const dir = tempDir(t);
  const weights = initGpt2Weights(config, { seed: 1 });
  saveGpt2Folder(dir, config, weights);
  const original = adapters();
  saveLoraAdapters(dir, original, 'openai-community/gpt2');

  const file = readSafetensors(path.join(dir, 'adapter_model.safetensors')).tensors;
  const peftA = file.get('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight')!;
  const peftB = file.get('base_model.model.transformer.h.0.attn.c_attn.lora_B.weight')!;
  assert.deepEqual(peftA.shape, [2, C]);
  assert.deepEqual(peftB.shape, [3 * C, 2]);
  const ours = original.tensors.get('h.0.attn.c_attn.lora_A')!.data;
  assert.equal(peftA.data[1 * C + 5], ours[5 * 2 + 1], 'A_peft[k, i] = A[i, k]');
  const json = JSON.parse(readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
  assert.equal(json.peft_type, 'LORA');
  assert.equal(json.r, 2);
  assert.equal(json.lora_alpha, 4);
  assert.equal(json.fan_in_fan_out, true);
  assert.deepEqual(json.target_modules, ['c_attn', 'mlp.c_proj']);

  const back = loadLoraAdapters(dir, config);
  assert.deepEqual(back.settings, original.settings);
  assert.deepEqual([...back.tensors.keys()], [...original.tensors.keys()]);
  for (const [name, tensor] of original.tensors) assert.deepEqual(back.tensors.get(name), tensor, name);

  const merged = loadGpt2Folder(dir);
  assert.deepEqual(merged.lora, original.settings);
  const expected = mergeLora(weights, original);
  for (const [name, w] of expected) assert.deepEqual(merged.weights.get(name)!.data, w.data, name);
  // W'[i, j] = W[i, j] + (alpha / r) Σ_k A[i, k] B[k, j]
  const a = original.tensors.get('h.1.mlp.c_proj.lora_A')!.data;
  const b = original.tensors.get('h.1.mlp.c_proj.lora_B')!.data;
  const w = weights.get('h.1.mlp.c_proj.weight')!.data;
  const [i, j] = [37, 9];
  const want = Math.fround(w[i * C + j]! + 2 * (a[i * 2]! * b[j]! + a[i * 2 + 1]! * b[C + j]!));
  assert.equal(merged.weights.get('h.1.mlp.c_proj.weight')!.data[i * C + j], want);
  assert.deepEqual(loadGpt2Folder(dir, { adapters: 'ignore' }).weights, weights);
});

test('adapter files we cannot represent are refused with the reason', (t) => {
  const dir = tempDir(t);
  saveGpt2Folder(dir, config, initGpt2Weights(config, { seed: 1 }));
  saveLoraAdapters(dir, adapters(), null);
  const configFile = path.join(dir, 'adapter_config.json');
  const good = readFileSync(configFile, 'utf8');
  const refused = (pattern: RegExp) =>
    assert.throws(
      () => loadGpt2Folder(dir),
      (e: unknown) => e instanceof MiniAstroError && e.kind === 'badInput' && pattern.test(e.message),
    );
  for (const [patch, pattern] of [
    [{ use_dora: true }, /use_dora is not supported/],
    [{ use_rslora: true }, /use_rslora is not supported/],
    [{ rank_pattern: { c_attn: 4 } }, /rank_pattern is not supported/],
    [{ r: 3 }, /lora_A\.weight is \[2, 16\], expected \[3, 16\]/],
    [{ peft_type: 'IA3' }, /peft_type is not LORA/],
  ] as const) {
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(good), ...patch }));
    refused(pattern);
  }
  writeFileSync(configFile, good);
  const weightsFile = path.join(dir, 'adapter_model.safetensors');
  const tensors = readSafetensors(weightsFile).tensors;
  tensors.delete('base_model.model.transformer.h.0.attn.c_attn.lora_B.weight');
  writeSafetensors(weightsFile, tensors);
  refused(/h\.0\.attn\.c_attn\.lora_A has no lora_B partner/);
});
