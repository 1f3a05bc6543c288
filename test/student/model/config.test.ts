// GPT-2 config: config.json round trips, real GPT-2 configs read, bad values fail naming the field.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMiniAstroError } from '../../../src/core/errors';
import {
  configFromHfJson,
  configToHfJson,
  gpt2Small,
  parameterCount,
  tinyGpt2Config,
  validateConfig,
} from '../../../src/student/model/config';
import { elementCount, expectedShapes } from '../../../src/student/model/weights';

/** openai-community/gpt2's config.json as published. */
const OPENAI_GPT2_CONFIG = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  summary_activation: null,
  summary_first_dropout: 0.1,
  summary_proj_to_labels: true,
  summary_type: 'cls_index',
  summary_use_proj: true,
  task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
};

function throwsBadInput(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isMiniAstroError(error), `expected MiniAstroError, got ${String(error)}`);
    assert.equal(error.kind, 'badInput');
    assert.match(error.message, pattern);
    assert.ok(error.hint.length > 0);
    return true;
  });
}

test("openai-community/gpt2's config.json reads as gpt2Small and writes back with its extra keys", () => {
  const config = configFromHfJson(OPENAI_GPT2_CONFIG);
  const { extra, ...fields } = config;
  assert.deepEqual(fields, gpt2Small);
  assert.deepEqual(extra?.['task_specific_params'], OPENAI_GPT2_CONFIG.task_specific_params);
  const json = configToHfJson(config);
  for (const [key, value] of Object.entries(OPENAI_GPT2_CONFIG)) assert.deepEqual(json[key], value, key);
  assert.equal(json['tie_word_embeddings'], true);
  assert.deepEqual(Object.keys(json), Object.keys(json).sort(), 'keys sorted like save_pretrained');
});

test('config round trip through config.json text is exact', () => {
  const config = tinyGpt2Config({ nLayer: 3, layerNormEpsilon: 1e-6, attnPdrop: 0 });
  const text = JSON.stringify(configToHfJson(config), null, 2);
  assert.deepEqual(configFromHfJson(JSON.parse(text)), config);
  assert.deepEqual(configFromHfJson(JSON.parse(JSON.stringify(configToHfJson(gpt2Small)))), gpt2Small);
});

test('old configs with only n_ctx, and minimal configs, take GPT2Config defaults', () => {
  const config = configFromHfJson({
    n_layer: 2,
    n_head: 2,
    n_embd: 8,
    n_ctx: 64,
    vocab_size: 100,
    bos_token_id: 99,
    eos_token_id: 99,
  });
  assert.equal(config.nPositions, 64);
  assert.equal(config.layerNormEpsilon, 1e-5);
  assert.equal(config.activationFunction, 'gelu_new');
});

test('parameter count: 124,439,808 for GPT-2 small, and it agrees with the tensor shapes', () => {
  assert.equal(parameterCount(gpt2Small), 124_439_808);
  for (const config of [gpt2Small, tinyGpt2Config(), tinyGpt2Config({ nLayer: 5, nEmbd: 24, nHead: 3 })]) {
    let total = 0;
    for (const shape of expectedShapes(config).values()) total += elementCount(shape);
    assert.equal(total, parameterCount(config));
  }
  assert.equal(expectedShapes(gpt2Small).size, 2 + 12 * 12 + 2);
});

test('bad configs fail with the field named', () => {
  throwsBadInput(
    () => validateConfig({ ...gpt2Small, nHead: 5 }),
    /n_embd \(768\) must be a multiple of n_head \(5\)/,
  );
  throwsBadInput(
    () => validateConfig({ ...gpt2Small, nLayer: 0 }),
    /n_layer \(nLayer\) must be a positive integer/,
  );
  throwsBadInput(() => validateConfig({ ...gpt2Small, vocabSize: 1.5 }), /vocab_size/);
  throwsBadInput(() => validateConfig({ ...gpt2Small, layerNormEpsilon: -1 }), /layer_norm_epsilon/);
  throwsBadInput(() => validateConfig({ ...gpt2Small, residPdrop: 1 }), /resid_pdrop/);
  throwsBadInput(() => validateConfig({ ...gpt2Small, eosTokenId: 50257 }), /eos_token_id/);
  throwsBadInput(() => tinyGpt2Config({ nEmbd: 15 }), /multiple of n_head/);
  throwsBadInput(
    () => configFromHfJson({ ...OPENAI_GPT2_CONFIG, n_embd: '768' }),
    /"n_embd" must be a number/,
  );
  throwsBadInput(() => configFromHfJson({ ...OPENAI_GPT2_CONFIG, n_layer: undefined }), /missing "n_layer"/);
  throwsBadInput(
    () => configFromHfJson({ ...OPENAI_GPT2_CONFIG, model_type: 'llama' }),
    /model_type is "llama"/,
  );
  throwsBadInput(
    () => configFromHfJson({ ...OPENAI_GPT2_CONFIG, tie_word_embeddings: false }),
    /tie_word_embeddings/,
  );
  throwsBadInput(
    () => configFromHfJson({ ...OPENAI_GPT2_CONFIG, activation_function: 'relu' }),
    /activation_function "relu"/,
  );
  throwsBadInput(() => configFromHfJson({ ...OPENAI_GPT2_CONFIG, n_inner: 1000 }), /n_inner/);
  throwsBadInput(
    () => configFromHfJson({ ...OPENAI_GPT2_CONFIG, scale_attn_by_inverse_layer_idx: true }),
    /scaling/,
  );
  throwsBadInput(() => configFromHfJson([1, 2]), /must be a JSON object/);
});
