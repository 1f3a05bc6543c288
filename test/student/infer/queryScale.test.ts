// The decoder's graph folds attention's 1/√D into the QKV projection's query columns (queryScale.ts), and int8
// files are written in 128-blocks (quantize.ts) while files written in 32-blocks still load as they are.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFormat, graphWeightsFrom, graphWeightsFromOnnx } from '../../../src/student/infer/graphWeights';
import { hfGraph, hfOpsets } from '../../../src/student/infer/hfGraph';
import { kvModelFromWeights } from '../../../src/student/infer/open';
import { quantizeBlocks } from '../../../src/student/infer/quantize';
import { withQueryScaled } from '../../../src/student/infer/queryScale';
import { initGpt2Weights } from '../../../src/student/model';
import { maxAbsDiff, referenceLogits, rowOf, tinyTextConfig } from './helpers';

test('the fold scales exactly the query columns of c_attn (weight, bias, block scales) and nothing else', () => {
  const config = tinyTextConfig({ nEmbd: 32, nHead: 4 });
  const C = config.nEmbd;
  const weights = initGpt2Weights(config, { seed: 3 });
  for (const format of ['float32', 'int8'] as const) {
    const plain = graphWeightsFrom(config, weights, format);
    const scaled = withQueryScaled(config, plain, 0.25);
    const w = plain.float32('h.1.attn.c_attn.bias').data as Float32Array;
    const ws = scaled.float32('h.1.attn.c_attn.bias').data as Float32Array;
    for (let c = 0; c < 3 * C; c++) assert.equal(ws[c], c < C ? w[c]! * 0.25 : w[c]);
    assert.equal(
      scaled.float32('h.1.ln_1.weight'),
      plain.float32('h.1.ln_1.weight'),
      'other tensors pass through',
    );
    if (format === 'float32') {
      const m = plain.float32('h.0.attn.c_attn.weight').data as Float32Array;
      const ms = scaled.float32('h.0.attn.c_attn.weight').data as Float32Array;
      for (let i = 0; i < m.length; i++) assert.equal(ms[i], i % (3 * C) < C ? m[i]! * 0.25 : m[i]);
      assert.notEqual(ms, m, 'a copy: the source weights are untouched');
    } else {
      const q = plain.quantized('h.0.attn.c_attn.weight')!;
      const qs = scaled.quantized('h.0.attn.c_attn.weight')!;
      const blocks = q.k / q.blockSize;
      assert.equal(qs.data, q.data, 'the bytes are shared, only the scales change');
      for (let i = 0; i < q.scales.length; i++) {
        assert.equal(qs.scales[i], i < C * blocks ? q.scales[i]! * 0.25 : q.scales[i]);
      }
      assert.equal(scaled.quantized('h.0.mlp.c_fc.weight'), plain.quantized('h.0.mlp.c_fc.weight'));
    }
  }
});

test('a head size that is not a power of two (12): the folded scale still gives the reference logits', async () => {
  const config = tinyTextConfig({ nEmbd: 48, nHead: 4 });
  const weights = initGpt2Weights(config, { seed: 5 });
  const prompt = [464, 3290, 286, 257, 4692, 11, 290, 262];
  const reference = await referenceLogits(config, weights, prompt);
  const model = await kvModelFromWeights(config, weights);
  const first = await model.step(prompt.slice(0, 5));
  assert.ok(maxAbsDiff(first.logits, rowOf(reference, 4, config.vocabSize)) < 1e-5);
  const next = await model.step(prompt.slice(5), first.cache);
  assert.ok(maxAbsDiff(next.logits, rowOf(reference, prompt.length - 1, config.vocabSize)) < 1e-5);
  await model.release();
});

test('int8 is written in 128-blocks; an int8 file written in 32-blocks loads with its own block size', async () => {
  const config = tinyTextConfig({ nEmbd: 128, nHead: 2, nLayer: 1 });
  assert.equal(checkFormat(config, 'int8'), 128);
  assert.equal(checkFormat(config, 'int4'), 32);
  const weights = initGpt2Weights(config, { seed: 9 });
  const current = graphWeightsFrom(config, weights, 'int8');
  assert.equal(current.quantized('h.0.mlp.c_proj.weight')!.blockSize, 128);
  // An older export: every 8-bit matrix in 32-blocks.
  const old32 = new Map(
    [...weights].flatMap(([name, t]) => {
      if (!current.quantized(name)) return [];
      const [rows, cols] = t.shape as [number, number];
      return [
        [
          name,
          name === 'wte.weight'
            ? quantizeBlocks(t.data, cols, rows, 'nk', 8, 32)
            : quantizeBlocks(t.data, rows, cols, 'kn', 8, 32),
        ],
      ] as const;
    }),
  );
  const written = { ...current, blockSize: 32, quantized: (name: string) => old32.get(name) };
  const bytes = hfGraph(config, written).toBytes(hfOpsets(written));
  const read = graphWeightsFromOnnx(bytes, config, 'int8');
  assert.equal(read.blockSize, 32);
  assert.deepEqual(
    read.quantized('h.0.attn.c_attn.weight')!.scales,
    old32.get('h.0.attn.c_attn.weight')!.scales,
  );
});
