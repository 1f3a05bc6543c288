// LoRA dropout's keep masks (train/loraDropout.ts): a pure function of (seed, step, micro-batch, layer, module),
// different whenever any of them differs (and then no more alike than independent masks), each element kept with
// probability 1 - p (one 32-bit draw each, the same decision as nextU32() / 2^32 >= p), and the feeds a run's
// sessions get are bool [B, T, in] tensors named as the training graphs' inputs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LoraShape, loraMaskSpecs } from '../../../src/student/graph/lora';
import { tinyGpt2Config } from '../../../src/student/model/config';
import { Xoshiro128 } from '../../../src/student/model/random';
import {
  fillDropoutMask,
  LoraDropoutMasks,
  type MaskKey,
  maskStream,
} from '../../../src/student/train/loraDropout';

const KEY: MaskKey = { seed: 7, step: 3, micro: 1, layer: 1, module: 'mlp.c_fc' };

function mask(key: MaskKey, p: number, n = 1 << 16): Uint8Array {
  const out = new Uint8Array(n);
  fillDropoutMask(out, key, p);
  return out;
}

const kept = (m: Uint8Array) => m.reduce((n, x) => n + x, 0) / m.length;

test('a mask is a pure function of its key; changing any part of the key gives an independent-looking mask', () => {
  const p = 0.3;
  const base = mask(KEY, p);
  assert.deepEqual(mask({ ...KEY }, p), base, 'same key, same mask');
  const variants: [string, MaskKey][] = [
    ['seed', { ...KEY, seed: 8 }],
    ['seed above 2^32', { ...KEY, seed: 7 + 2 ** 32 }],
    ['step', { ...KEY, step: 4 }],
    ['micro-batch', { ...KEY, micro: 0 }],
    ['layer', { ...KEY, layer: 0 }],
    ['module', { ...KEY, module: 'attn.c_proj' }],
  ];
  // Two independent masks agree on a fraction p² + (1-p)² of elements; 65536 elements: σ ≈ 0.0018.
  const expected = p * p + (1 - p) * (1 - p);
  for (const [what, key] of variants) {
    const other = mask(key, p);
    let agree = 0;
    for (let i = 0; i < base.length; i++) if (other[i] === base[i]) agree++;
    const fraction = agree / base.length;
    assert.ok(Math.abs(fraction - expected) < 0.012, `${what}: agreement ${fraction} vs ${expected}`);
  }
});

test('each element is kept with probability 1 - p: one draw each, dropped when nextU32() / 2^32 < p', () => {
  for (const p of [0.05, 0.1, 0.5, 0.9]) {
    const n = 1 << 22;
    const fraction = kept(mask({ ...KEY, step: 100 }, p, n));
    const sigma = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(fraction - (1 - p)) < 6 * sigma, `p ${p}: kept ${fraction}`);
    // Inverted dropout scales the kept elements by 1 / (1 - p) (graph/lora.ts): the mean is preserved.
    assert.ok(Math.abs(fraction / (1 - p) - 1) < (6 * sigma) / (1 - p));
  }
  // The inlined loop makes exactly the decisions of the generator's own draws, and leaves it where they would.
  const p = 0.37;
  const fast = maskStream(KEY);
  const slow = maskStream(KEY);
  const out = new Uint8Array(50_000);
  fast.fillKeepMask(out, p);
  for (let i = 0; i < out.length; i++)
    assert.equal(out[i], slow.nextU32() / 2 ** 32 < p ? 0 : 1, `element ${i}`);
  assert.equal(fast.nextU32(), slow.nextU32());
  assert.ok(
    mask(KEY, 0).every((x) => x === 1),
    'p = 0 keeps everything',
  );
  assert.throws(() => new Xoshiro128(1).fillKeepMask(out, 1), /\[0, 1\)/);
  assert.throws(() => mask({ ...KEY, layer: 512 }, p), /layer 512/);
});

test("a run's mask feeds: one bool [B, T, in] per targeted module of every layer, drawn from their keys", () => {
  const cfg = tinyGpt2Config();
  const lora: LoraShape = { rank: 2, alpha: 4, targets: ['c_attn', 'mlp.c_proj'] };
  const masks = new LoraDropoutMasks(cfg, lora, 0.2, 11);
  const specs = loraMaskSpecs(cfg, lora);
  assert.deepEqual(
    specs.map((s) => s.name),
    ['h.0.attn.c_attn', 'h.0.mlp.c_proj', 'h.1.attn.c_attn', 'h.1.mlp.c_proj'].map(
      (m) => `${m}.lora_dropout_mask`,
    ),
  );
  const feeds = masks.feeds(5, 1, 2, 3);
  assert.deepEqual(
    Object.keys(feeds),
    specs.map((s) => s.name),
  );
  const copies = new Map<string, Uint8Array>();
  for (const s of specs) {
    const t = feeds[s.name]!;
    assert.equal(t.type, 'bool');
    assert.deepEqual(t.dims, [2, 3, s.fanIn]);
    const data = t.data as Uint8Array;
    assert.deepEqual(
      data,
      mask({ seed: 11, step: 5, micro: 1, layer: s.layer, module: s.module }, 0.2, data.length),
    );
    copies.set(s.name, Uint8Array.from(data));
  }
  // Another micro-batch (here a shorter one, reusing the buffers) draws other masks; the same key draws them again.
  const next = masks.feeds(5, 0, 2, 2);
  assert.deepEqual(next[specs[0]!.name]!.dims, [2, 2, specs[0]!.fanIn]);
  assert.notDeepEqual(
    next[specs[0]!.name]!.data,
    copies.get(specs[0]!.name)!.subarray(0, 2 * 2 * specs[0]!.fanIn),
  );
  const again = masks.feeds(5, 1, 2, 3);
  for (const s of specs) assert.deepEqual(again[s.name]!.data, copies.get(s.name));
});
