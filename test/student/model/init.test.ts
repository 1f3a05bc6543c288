// Initialisation: bit-reproducible from the seed, GPT-2's (HF's) statistics per tensor kind.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMiniAstroError } from '../../../src/core/errors';
import { gpt2Small, tinyGpt2Config } from '../../../src/student/model/config';
import { initGpt2Weights, initRule } from '../../../src/student/model/init';
import { logUnit, Xoshiro128 } from '../../../src/student/model/random';
import { validateWeights } from '../../../src/student/model/weights';

function bits(data: Float32Array): Uint32Array {
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

function stats(data: Float32Array): { mean: number; std: number; kurtosis: number } {
  let sum = 0;
  for (const x of data) sum += x;
  const mean = sum / data.length;
  let m2 = 0;
  let m4 = 0;
  for (const x of data) {
    const d = (x - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= data.length;
  m4 /= data.length;
  return { mean, std: Math.sqrt(m2), kurtosis: m4 / (m2 * m2) };
}

test('same seed gives bit-identical weights; another seed differs everywhere', () => {
  const config = tinyGpt2Config();
  const a = initGpt2Weights(config, { seed: 42 });
  const b = initGpt2Weights(config, { seed: 42 });
  const c = initGpt2Weights(config, { seed: 43 });
  validateWeights(config, a);
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, tensor] of a) {
    assert.deepEqual(bits(tensor.data), bits(b.get(name)!.data), name);
    const rule = initRule(config, name);
    if (rule.kind === 'normal') assert.notDeepEqual(bits(tensor.data), bits(c.get(name)!.data), name);
  }
});

test('xoshiro128** matches the reference implementation from state (1, 2, 3, 4)', () => {
  // The first outputs of xoshiro128starstar.c (Blackman & Vigna) seeded with s = {1, 2, 3, 4}.
  const rng = Xoshiro128.fromState(1, 2, 3, 4);
  const reference = [
    11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
  ];
  assert.deepEqual(
    reference.map(() => rng.nextU32()),
    reference,
  );
});

test('a fixed seed gives fixed values (guards cross-version and cross-platform reproducibility)', () => {
  // Recorded from this implementation: a change to seeding or to the normal transform changes every model
  // initialised from a seed, so it has to be deliberate.
  const rng = new Xoshiro128(1234);
  assert.deepEqual(
    Array.from({ length: 4 }, () => rng.nextU32()),
    [1595963489, 1689079223, 4134281950, 3280582554],
  );
  const normals = new Float32Array(4);
  new Xoshiro128(1234, 7).fillNormal(normals, 1);
  assert.deepEqual([...bits(normals)], [0xbca27182, 0x3fa2cdb0, 0x3ea4254a, 0x3ebeb32b]);
  // Big seeds use their high bits too.
  assert.notEqual(new Xoshiro128(2 ** 40).nextU32(), new Xoshiro128(0).nextU32());
});

test('the arithmetic-only logarithm matches Math.log', () => {
  let worst = 0;
  const rng = new Xoshiro128(5);
  for (let i = 0; i < 100_000; i++) {
    const x = (rng.nextU32() + 0.5) / 2 ** 32;
    worst = Math.max(worst, Math.abs(logUnit(x) - Math.log(x)));
  }
  for (const x of [2 ** -60, 1e-12, 0.5, Math.SQRT1_2, 0.999999])
    worst = Math.max(worst, Math.abs(logUnit(x) - Math.log(x)));
  assert.ok(worst < 1e-13, `max error ${worst}`);
});

test('statistics: N(0, 0.02) matrices, residual projections scaled by 1/sqrt(2 n_layer), LayerNorm 1/0, biases 0', () => {
  const config = tinyGpt2Config({ nLayer: 8, nEmbd: 64, nHead: 4, vocabSize: 2000, nPositions: 256 });
  const weights = initGpt2Weights(config, { seed: 7 });
  const wte = stats(weights.get('wte.weight')!.data); // 128,000 draws
  assert.ok(Math.abs(wte.mean) < 3e-4, `wte mean ${wte.mean}`);
  assert.ok(Math.abs(wte.std - 0.02) < 3e-4, `wte std ${wte.std}`);
  assert.ok(Math.abs(wte.kurtosis - 3) < 0.1, `wte kurtosis ${wte.kurtosis} (normal is 3)`);
  const wpe = stats(weights.get('wpe.weight')!.data);
  assert.ok(Math.abs(wpe.std - 0.02) < 6e-4, `wpe std ${wpe.std}`);
  const fc = stats(weights.get('h.3.mlp.c_fc.weight')!.data);
  assert.ok(Math.abs(fc.std - 0.02) < 6e-4, `c_fc std ${fc.std}`);
  const residual = 0.02 / Math.sqrt(2 * 8);
  for (const name of ['h.0.attn.c_proj.weight', 'h.7.mlp.c_proj.weight']) {
    const s = stats(weights.get(name)!.data);
    assert.ok(Math.abs(s.std - residual) / residual < 0.04, `${name} std ${s.std}, expected ${residual}`);
  }
  for (const [name, tensor] of weights) {
    if (/ln_[12f]\.weight$|ln_f\.weight$/.test(name))
      assert.ok(
        tensor.data.every((x) => x === 1),
        name,
      );
    if (name.endsWith('.bias'))
      assert.ok(
        tensor.data.every((x) => x === 0),
        name,
      );
  }
  // Tensors draw from their own streams: no two weight matrices start alike.
  assert.notEqual(
    weights.get('h.0.attn.c_attn.weight')!.data[0],
    weights.get('h.1.attn.c_attn.weight')!.data[0],
  );
  const wpe01 = stats(initGpt2Weights(config, { seed: 7, wpeStd: 0.01 }).get('wpe.weight')!.data);
  assert.ok(Math.abs(wpe01.std - 0.01) < 3e-4);
});

test('bad seeds are refused', () => {
  for (const seed of [-1, 1.5, Number.NaN, 2 ** 60]) {
    assert.throws(
      () => initGpt2Weights(tinyGpt2Config(), { seed }),
      (error: unknown) => isMiniAstroError(error) && /seed/.test(error.message),
    );
  }
});

// Init speed for 124M is measured by `npm run bench`; here only the shapes and the parameter count.
test('GPT-2 small (124M) initialises with the right shapes and 124,439,808 parameters', () => {
  const weights = initGpt2Weights(gpt2Small, { seed: 1 });
  validateWeights(gpt2Small, weights);
  let total = 0;
  for (const tensor of weights.values()) total += tensor.data.length;
  assert.equal(total, 124_439_808);
});
