// The logits processors against hand-computed cases, with Hugging Face's semantics.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGenerationConfig } from '../../../src/student/config/generationConfig';
import {
  argmax,
  bannedNgramTokens,
  minNewTokens,
  noRepeatNgram,
  processorsFor,
  repetitionPenalty,
} from '../../../src/student/infer/logitsProcessors';

const NEG = Number.NEGATIVE_INFINITY;

test('repetition penalty divides positive and multiplies negative logits of seen tokens, once each', () => {
  const logits = Float32Array.from([2, -2, 0.5, -0.5, 3, 0]);
  // Token 1 appears twice (prompt and output): penalised once, as HF's gather/scatter does. 5 has logit 0.
  repetitionPenalty(2)(logits, { ids: [0, 1, 1, 3, 5], generated: 2 });
  assert.deepEqual([...logits], [1, -4, 0.5, -1, 3, 0]);
  const same = Float32Array.from([2, -2]);
  repetitionPenalty(1)(same, { ids: [0, 1], generated: 0 });
  assert.deepEqual([...same], [2, -2]);
  // 1.5: 3 / 1.5 = 2, -3 * 1.5 = -4.5.
  const x = Float32Array.from([3, -3, 7]);
  repetitionPenalty(1.5)(x, { ids: [0, 1], generated: 1 });
  assert.deepEqual([...x], [2, -4.5, 7]);
  assert.throws(() => repetitionPenalty(0), RangeError);
});

test('no-repeat n-gram bans the tokens that would complete an n-gram already in the sequence (prompt included)', () => {
  assert.deepEqual([...bannedNgramTokens([1, 2, 3, 1, 2], 3)], [3]);
  assert.deepEqual([...bannedNgramTokens([1, 2, 3, 1, 2, 4, 1, 2], 3)].sort(), [3, 4]);
  assert.deepEqual([...bannedNgramTokens([1, 2, 3, 1, 2], 2)], [3]);
  assert.deepEqual([...bannedNgramTokens([5, 2, 5], 2)], [2]);
  // n = 1: every token already present.
  assert.deepEqual([...bannedNgramTokens([4, 4, 6], 1)].sort(), [4, 6]);
  // HF returns early while cur_len + 1 < n; with no complete n-gram nothing is banned.
  assert.equal(bannedNgramTokens([1], 3).size, 0);
  assert.equal(bannedNgramTokens([1, 1], 3).size, 0);
  assert.deepEqual([...bannedNgramTokens([1, 1, 1], 3)], [1]);
  // The prompt counts (HF's input_ids hold prompt and output): prompt 7 8 9, output 7 8 → 9 is banned.
  const logits = new Float32Array(10).fill(1);
  noRepeatNgram(3)(logits, { ids: [7, 8, 9, 7, 8], generated: 2 });
  assert.deepEqual(
    [...logits].map((v, i) => (v === NEG ? i : -1)).filter((i) => i >= 0),
    [9],
  );
  const untouched = new Float32Array(4).fill(1);
  noRepeatNgram(0)(untouched, { ids: [1, 1, 1], generated: 3 });
  assert.ok(untouched.every((v) => v === 1));
  assert.throws(() => noRepeatNgram(-1), RangeError);
});

test('min new tokens suppresses EOS only until that many tokens were generated', () => {
  const p = minNewTokens(3, 2);
  for (const [generated, want] of [
    [0, NEG],
    [2, NEG],
    [3, 5],
    [10, 5],
  ] as const) {
    const logits = Float32Array.from([1, 1, 5]);
    p(logits, { ids: [0, 1], generated });
    assert.equal(logits[2], want, `after ${generated} tokens`);
    assert.equal(logits[0], 1);
  }
});

test('the shipped generation config turns every processor off; settings turn on exactly their processors', () => {
  const shipped = loadGenerationConfig();
  assert.equal(processorsFor(shipped, 50256).length, 0);
  assert.equal(processorsFor({ ...shipped, minNewTokens: 0 }, 50256).length, 0);
  const all = processorsFor({ repetitionPenalty: 2, noRepeatNgramSize: 2, minNewTokens: 5 }, 3);
  assert.equal(all.length, 3);
  // Applied in order: penalty on seen token 0, ban of 1 after "0 1 0", EOS (3) suppressed.
  const logits = Float32Array.from([4, 3, 1, 9]);
  for (const p of all) p(logits, { ids: [0, 1, 0], generated: 1 });
  assert.deepEqual([...logits], [2, NEG, 1, NEG]);
  assert.equal(argmax(logits), 0);
});

test('argmax takes the first of equal maxima, as torch.argmax does', () => {
  assert.equal(argmax([1, 3, 3, 2]), 1);
  assert.equal(argmax(Float32Array.from([-1, -1])), 0);
  assert.equal(argmax([NEG, -5, NEG]), 1);
});
