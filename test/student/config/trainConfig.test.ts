// The training config: shipped YAML = defaults, overrides merge, and every mistake is named by its path.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { packageRoot } from '../../../src/core/paths';
import {
  appliesWeightDecay,
  defaultTrainConfig,
  loadTrainConfig,
  trainConfigFrom,
} from '../../../src/student/config/trainConfig';
import { tempDir } from '../../helpers/tmp';

test('configs/student_train.yaml states every key, with exactly the built-in defaults', () => {
  assert.deepEqual(loadTrainConfig(), defaultTrainConfig);
  // Every key is written out (documented), not just defaulted.
  const raw = parseYaml(readFileSync(path.join(packageRoot(), 'configs', 'student_train.yaml'), 'utf8'));
  assert.deepEqual(raw, defaultTrainConfig);
});

test('the defaults round-trip through YAML, and an empty file means all defaults', (t) => {
  assert.deepEqual(trainConfigFrom(parseYaml(stringifyYaml(defaultTrainConfig))), defaultTrainConfig);
  assert.deepEqual(trainConfigFrom(undefined), defaultTrainConfig);
  assert.deepEqual(trainConfigFrom(null), defaultTrainConfig);
  const file = path.join(tempDir(t), 'mine.yaml');
  writeFileSync(file, 'lora:\n  enabled: true\noptimizer:\n  lr: 2.0e-4\nmaxSteps: 500\n');
  const c = loadTrainConfig(file);
  assert.equal(c.lora.enabled, true);
  assert.equal(c.lora.rank, defaultTrainConfig.lora.rank);
  assert.equal(c.optimizer.lr, 2e-4);
  assert.equal(c.maxSteps, 500);
  assert.deepEqual(c.optimizer.betas, [0.9, 0.999]);
});

test('overrides: scratch shapes, a local model folder, null eval file, skip policies', () => {
  const c = trainConfigFrom({
    model: { init: 'scratch', config: { nLayer: 4, nHead: 4, nEmbd: 256, nPositions: 512 } },
    data: { maxSeqLen: 512, evalFile: null, truncation: { onTooLong: 'skip' }, onBadRow: 'skip' },
    device: 'cuda',
  });
  assert.deepEqual(c.model.config, { nLayer: 4, nHead: 4, nEmbd: 256, nPositions: 512, vocabSize: 50257 });
  assert.equal(c.data.evalFile, null);
  assert.equal(c.data.truncation.onTooLong, 'skip');
  assert.equal(c.data.truncation.minAbstractTokens, 64);
  assert.equal(c.data.onBadRow, 'skip');
  assert.equal(c.device, 'cuda');
  assert.equal(trainConfigFrom({ model: { init: './models/distilgpt2' } }).model.init, './models/distilgpt2');
});

test('unknown keys, wrong types and contradictions are named by their path', () => {
  const cases: [unknown, RegExp][] = [
    [{ optimiser: {} }, /student_train\.yaml\.optimiser: unknown key/],
    [{ optimizer: { learningRate: 1e-4 } }, /optimizer\.learningRate: unknown key/],
    [{ data: { truncation: { minAbstract: 3 } } }, /data\.truncation\.minAbstract: unknown key/],
    [{ lora: { rnak: 4 } }, /lora\.rnak: unknown key/],
    [{ batchSize: 0 }, /batchSize: expected an integer >= 1; got 0/],
    [{ batchSize: '8' }, /batchSize: expected an integer >= 1; got "8"/],
    [{ optimizer: { lr: 0 } }, /optimizer\.lr: expected a number > 0/],
    [{ optimizer: { betas: [0.9] } }, /optimizer\.betas: expected a list of two numbers/],
    [{ optimizer: { betas: [0.9, 1] } }, /optimizer\.betas\[1\]: expected a number below 1/],
    [{ optimizer: { noDecay: 'bias' } }, /optimizer\.noDecay: expected a list of strings/],
    [{ device: 'gpu' }, /device: expected one of cpu, cuda, webgpu; got "gpu"/],
    [
      { data: { truncation: { onTooLong: 'cut' } } },
      /data\.truncation\.onTooLong: expected one of error, skip/,
    ],
    [{ data: { promptTemplate: 'chat' } }, /data\.promptTemplate: unknown template "chat"/],
    [{ data: { maxSeqLen: 2048 } }, /data\.maxSeqLen: exceeds the model's 1024 positions/],
    [{ data: { maxSeqLen: 64 } }, /data\.truncation\.minAbstractTokens: must be below data\.maxSeqLen/],
    [{ model: { init: 'gtp2' } }, /model\.init: expected gpt2, scratch or a folder path/],
    [{ model: { config: { nLayer: 6 } } }, /model\.config\.nLayer: is only read when model\.init is scratch/],
    [
      { model: { init: 'scratch', config: { nHead: 5 } } },
      /model\.config\.nEmbd: must be a multiple of nHead/,
    ],
    [
      { model: { init: 'scratch', config: { vocabSize: 50000 } } },
      /model\.config\.vocabSize: expected an integer >= 50257/,
    ],
    [{ lora: { targets: ['q_proj'] } }, /lora\.targets\[0\]: unknown module "q_proj"/],
    [{ lora: { targets: [] } }, /lora\.targets: expected at least one module/],
    [{ maxSteps: 0 }, /maxSteps: expected an integer >= 1/],
    [{ keepCheckpoints: 0 }, /keepCheckpoints: expected an integer >= 1/],
    [{ threads: -1 }, /threads: expected an integer >= 0/],
    [{ threads: 1.5 }, /threads: expected an integer >= 0/],
    [{ attentionBlocks: 0 }, /attentionBlocks: expected an integer >= 1/],
    [{ attentionBlocks: 3 }, /attentionBlocks: 3 does not divide data\.padToMultipleOf \(8\)/],
    [
      { attentionBlocks: 4, data: { padToMultipleOf: 4, maxSeqLen: 1022 } },
      /attentionBlocks: 4 does not divide data\.maxSeqLen \(1022\)/,
    ],
    [['a'], /student_train\.yaml: expected a mapping/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => trainConfigFrom(input), message, `for ${JSON.stringify(input)}`);
  }
});

test('missing and malformed files are reported', (t) => {
  const dir = tempDir(t);
  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'optimizer:\n  lr: [unclosed\n');
  assert.throws(() => loadTrainConfig(bad), /bad\.yaml is not valid YAML/);
  assert.throws(() => loadTrainConfig(path.join(dir, 'none.yaml')), /No config file at/);
});

test('weight decay spares biases and LayerNorm gains, by HF parameter name', () => {
  const { noDecay } = defaultTrainConfig.optimizer;
  assert.equal(appliesWeightDecay('h.0.attn.c_attn.weight', noDecay), true);
  assert.equal(appliesWeightDecay('h.11.mlp.c_fc.weight', noDecay), true);
  assert.equal(appliesWeightDecay('wte.weight', noDecay), true);
  assert.equal(appliesWeightDecay('h.0.attn.c_attn.bias', noDecay), false);
  assert.equal(appliesWeightDecay('h.3.ln_1.weight', noDecay), false);
  assert.equal(appliesWeightDecay('h.3.ln_2.bias', noDecay), false);
  assert.equal(appliesWeightDecay('ln_f.weight', noDecay), false);
  // Whole name parts only: "biased" is not "bias".
  assert.equal(appliesWeightDecay('h.0.biased.weight', noDecay), true);
});

test('the eval file must not be the training file', () => {
  assert.throws(
    () => trainConfigFrom({ data: { trainFile: 'data/a.jsonl', evalFile: './data/a.jsonl' } }),
    /data\.evalFile: must differ from data\.trainFile/,
  );
});
