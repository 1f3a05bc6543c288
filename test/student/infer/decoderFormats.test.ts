// The decoder's graph in every weight format: the cache changes nothing but speed (token for token equal to full
// recompute, float32, int8 and int4 alike); quantised weights mean exactly their dequantised values; the
// decoder's float32 logits equal the project's reference graph; prompts at and past the model's positions
// behave as documented; and on a model actually trained here, 8-bit and 4-bit greedy tokens agree with float32's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PromptFormat, promptTemplate } from '../../../src/student/data/template';
import { greedyAgreement } from '../../../src/student/infer/agreement';
import { greedyDecode } from '../../../src/student/infer/decoder';
import { fitPrompt } from '../../../src/student/infer/fit';
import { bitsOf, graphWeightsFrom, WEIGHT_FORMATS } from '../../../src/student/infer/graphWeights';
import { kvModelFromWeights } from '../../../src/student/infer/open';
import { dequantizeBlocks, quantizeBlocks } from '../../../src/student/infer/quantize';
import {
  type Gpt2Weights,
  initGpt2Weights,
  loadGpt2Folder,
  tinyGpt2Config,
} from '../../../src/student/model';
import { defaultTokenizer, EOS_ID } from '../../../src/student/tokenizer';
import { runTraining } from '../../../src/student/train/trainer';
import { tempDir } from '../../helpers/tmp';
import { collector, tinyConfig, trainFile } from '../train/helpers';
import { maxAbsDiff, referenceLogits, rowOf, tinyTextConfig } from './helpers';

test('quantised bytes hold exactly the block-rounded weights (8 and 4 bits, both layouts)', () => {
  const k = 64;
  const n = 5;
  const w = Float32Array.from({ length: k * n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
  for (const bits of [8, 4] as const) {
    for (const layout of ['kn', 'nk'] as const) {
      const m = quantizeBlocks(w, k, n, layout, bits, 32);
      assert.equal(m.data.length, (n * k * bits) / 8);
      const back = dequantizeBlocks(m, layout);
      const qmax = bits === 8 ? 127 : 7;
      for (let i = 0; i < w.length; i++) {
        // Rounding to the nearest step: never more than half a step away, a step being the block's max / qmax.
        const r = layout === 'nk' ? Math.floor(i / k) : i % n;
        const block = Math.floor((layout === 'nk' ? i % k : Math.floor(i / n)) / 32);
        const step = m.scales[r * (k / 32) + block]!;
        assert.ok(
          Math.abs(back[i]! - w[i]!) <= step / 2 + 1e-6,
          `${bits} bits ${layout} at ${i}: ${w[i]} → ${back[i]} (step ${step})`,
        );
        assert.ok(Math.abs(back[i]! / step) <= qmax * (1 + 1e-6), 'within the symmetric range');
      }
    }
  }
});

/** The weights a quantised format stands for, as float32 (embedding and projections rounded). */
function roundedWeights(
  weights: Gpt2Weights,
  format: 'int8' | 'int4',
  config: ReturnType<typeof tinyTextConfig>,
) {
  const g = graphWeightsFrom(config, weights, format);
  return new Map(
    [...weights].map(([name, t]) => {
      const m = g.quantized(name);
      if (!m || bitsOf(format, name) === undefined) return [name, t];
      return [name, { shape: t.shape, data: dequantizeBlocks(m, name === 'wte.weight' ? 'nk' : 'kn') }];
    }),
  );
}

test('every format: the cached decode equals full recompute token for token; weights mean their rounded values', async (t) => {
  const config = tinyTextConfig({ nEmbd: 32, nPositions: 96 });
  const weights = initGpt2Weights(config, { seed: 12 });
  const prompt = defaultTokenizer().encode(
    'Abstract:\nA disk wind carries angular momentum away.\n\nExplanation:\n',
  );
  const V = config.vocabSize;
  const reference = await referenceLogits(config, weights, prompt);
  for (const format of WEIGHT_FORMATS) {
    const model = await kvModelFromWeights(config, weights, { weights: format });
    const options = { maxNewTokens: 40, eosId: config.eosTokenId, stopAtEos: false };
    const cached = await greedyDecode(model, prompt, options);
    const full = await greedyDecode(model, prompt, { ...options, useCache: false });
    t.diagnostic(
      `${format}: ${new Set(cached.tokenIds).size} distinct of 40; ${cached.timings.msPerToken.toFixed(2)} ms/token`,
    );
    assert.deepEqual(cached.tokenIds, full.tokenIds, format);
    assert.ok(
      new Set(cached.tokenIds).size >= 5,
      `${format}: the random model should not collapse to one token`,
    );
    await model.release();
  }
  // float32: the decoder's fused graph computes what the reference graph computes.
  const f32 = await kvModelFromWeights(config, weights);
  const err = maxAbsDiff((await f32.step(prompt)).logits, rowOf(reference, prompt.length - 1, V));
  assert.ok(err < 1e-5, `${err}`);
  await f32.release();
  // With float32 activations (accuracy level 0) a quantised model is float32 arithmetic on the rounded weights.
  for (const format of ['int8', 'int4'] as const) {
    const exact = await kvModelFromWeights(config, weights, { weights: format, accuracyLevel: 0 });
    const rounded = await referenceLogits(config, roundedWeights(weights, format, config), prompt);
    const diff = maxAbsDiff((await exact.step(prompt)).logits, rowOf(rounded, prompt.length - 1, V));
    t.diagnostic(
      `${format} at accuracy level 0 vs float32 on the rounded weights: max |Δlogit| ${diff.toExponential(2)}`,
    );
    assert.ok(diff < 1e-4, `${format}: ${diff}`);
    await exact.release();
  }
});

test('prompts at and past the positions: the last position is generated, then stop; no room is an error', async () => {
  const config = tinyGpt2Config({ nPositions: 16, initializerRange: 0.3 });
  const model = await kvModelFromWeights(config, initGpt2Weights(config, { seed: 3 }));
  const options = { maxNewTokens: 10, eosId: config.eosTokenId, stopAtEos: false };
  const prompt15 = Array.from({ length: 15 }, (_, i) => i + 1);
  const atEdge = await greedyDecode(model, prompt15, options);
  assert.deepEqual([atEdge.tokenIds.length, atEdge.stop], [1, 'context']);
  await assert.rejects(greedyDecode(model, [...prompt15, 1], options), /no room in the model's 16 positions/);
  const step = await model.step(prompt15);
  await assert.rejects(model.step([1, 2], step.cache), /17 positions exceed the model's 16/);
  await model.release();

  // explain's fitting: the budget shrinks to what fits, then stops at the floor and the abstract is cut.
  const format = new PromptFormat(defaultTokenizer(), promptTemplate('abstract-explanation-v1'));
  const abstract = 'Tidal heating keeps the moon molten. '.repeat(20);
  const A = format.textIds(abstract).length;
  const fixed = format.fixedTokens;
  const fit = (positions: number, maxNewTokens: number) =>
    fitPrompt(format, abstract, { positions, maxNewTokens, maxNewTokensFloor: 32, minAbstractTokens: 16 })
      .fit;
  assert.deepEqual(fit(1024, 100), {
    positions: 1024,
    requestedMaxNewTokens: 100,
    maxNewTokens: 100,
    shrunkBy: 0,
    abstractTokens: A,
    droppedAbstractTokens: 0,
    promptTokens: fixed + A,
  });
  assert.equal(fit(fixed + A + 50, 100).maxNewTokens, 50);
  assert.equal(fit(fixed + A + 50, 100).droppedAbstractTokens, 0);
  const tight = fit(fixed + 50, 100);
  assert.deepEqual([tight.maxNewTokens, tight.shrunkBy, tight.droppedAbstractTokens], [32, 68, A - 18]);
  assert.equal(fit(fixed + 50, 10).maxNewTokens, 10, 'the floor never exceeds the request');
  assert.throws(() => fit(fixed + 20, 100), {
    kind: 'badInput',
    message:
      /has \d+ positions: the prompt template takes \d+, at least 16 of the abstract's \d+ tokens must stay and at least 32 new tokens must fit/,
  });
});

test('a model trained here: 8-bit greedy tokens agree with float32 position by position, 4-bit nearly', async (t) => {
  const root = tempDir(t);
  const outcome = await runTraining(
    tinyConfig(path.join(root, 'run'), {
      data: { trainFile, evalFile: null },
      optimizer: { lr: 1e-2, weightDecay: 0 },
      schedule: { warmupSteps: 0, minLrRatio: 1 },
      maxSteps: 60,
      evalEvery: 0,
      checkpointEvery: 60,
    }),
    { sink: collector().sink },
  );
  const { config, weights } = loadGpt2Folder(outcome.checkpoint);
  t.diagnostic(`trained ${outcome.step} steps, loss ${outcome.loss?.toFixed(3)}`);
  const format = new PromptFormat(defaultTokenizer(), promptTemplate('abstract-explanation-v1'));
  const rows = readFileSync(trainFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { abstract: string });
  const prompts = rows.map((r) => format.promptIds(r.abstract, { maxTokens: 40, minAbstractTokens: 8 }).ids);
  const reference = await kvModelFromWeights(config, weights);
  const rates: Record<string, number> = {};
  for (const quantised of ['int8', 'int4'] as const) {
    const candidate = await kvModelFromWeights(config, weights, { weights: quantised });
    const report = await greedyAgreement(reference, candidate, prompts, { maxNewTokens: 24, eosId: EOS_ID });
    rates[quantised] = report.rate;
    t.diagnostic(
      `${quantised}: ${report.agreeing}/${report.positions} greedy tokens agree (${(100 * report.rate).toFixed(1)}%); ` +
        `identical free-running prefixes ${report.identicalPrefix.join(', ')} of ${report.generated.join(', ')}`,
    );
    await candidate.release();
  }
  await reference.release();
  assert.ok(rates['int8']! >= 0.95, `int8 agreement ${rates['int8']}`);
  assert.ok(rates['int4']! >= 0.8, `int4 agreement ${rates['int4']}`);
});
