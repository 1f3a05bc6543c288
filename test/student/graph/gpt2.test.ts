// The GPT-2 graphs against an independent float64 reference: logits, loss with the label shift and -100
// mask, symbolic batch/sequence dims, both opsets, the KV cache, and plain-ONNX bytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildLogitsGraph } from '../../../src/student/graph/logits';
import { buildLossGraph } from '../../../src/student/graph/loss';
import { opTypesOf, toOnnx } from '../../../src/student/graph/onnx';
import { openModel, openSession } from '../../../src/student/graph/session';
import { f64, numbers, run } from './helpers';
import {
  idFeed,
  paramFeeds,
  randomIds,
  randomParams,
  referenceLogits,
  referenceLoss,
  TINY,
} from './reference';

const params = randomParams(TINY, 1);
const feeds = paramFeeds(TINY, params);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('logits of every position match the plain-TypeScript reference at two (B, T) shapes', async (t) => {
  const session = await openSession(buildLogitsGraph(TINY, { dtype: 'float64', positions: 'all' }));
  for (const [b, len] of [
    [2, 5],
    [3, 9],
  ] as const) {
    const ids = randomIds(b, len, TINY.vocabSize, b * 7 + len);
    const out = await run(session, { ...feeds, input_ids: idFeed(ids) });
    assert.deepEqual(out['logits']!.dims, [b, len, TINY.vocabSize]);
    const want = ids.flatMap((seq) => referenceLogits(TINY, params, seq).flatMap((row) => [...row]));
    const err = maxAbsDiff(numbers(out['logits']), want);
    t.diagnostic(`B=${b} T=${len}: max |Δlogit| ${err.toExponential(2)}`);
    assert.ok(err < 1e-9, `max abs diff ${err}`);
  }
});

test('last-position logits with a KV cache equal the full-sequence logits', async () => {
  const full = await openSession(buildLogitsGraph(TINY, { dtype: 'float64', positions: 'last' }));
  const cached = await openSession(buildLogitsGraph(TINY, { dtype: 'float64', kvCache: true }));
  const ids = randomIds(2, 7, TINY.vocabSize, 3);
  const D = TINY.nEmbd / TINY.nHead;
  const empty: Record<string, ReturnType<typeof f64>> = {};
  for (let i = 0; i < TINY.nLayer; i++) {
    for (const kind of ['key', 'value'])
      empty[`past.${i}.${kind}`] = f64(new Float64Array(0), [2, TINY.nHead, 0, D]);
  }
  // Prompt of 5 tokens with an empty cache, then one token at a time.
  let state = await run(cached, { ...feeds, ...empty, input_ids: idFeed(ids.map((r) => r.slice(0, 5))) });
  for (let t = 5; t < 7; t++) {
    const past: Record<string, ReturnType<typeof f64>> = {};
    for (let i = 0; i < TINY.nLayer; i++) {
      for (const kind of ['key', 'value']) {
        const tensor = state[`present.${i}.${kind}`]!;
        past[`past.${i}.${kind}`] = f64(tensor.data as Float64Array, tensor.dims);
      }
    }
    state = await run(cached, { ...feeds, ...past, input_ids: idFeed(ids.map((r) => [r[t]!])) });
    const want = await run(full, { ...feeds, input_ids: idFeed(ids.map((r) => r.slice(0, t + 1))) });
    assert.deepEqual(state['present.0.key']!.dims, [2, TINY.nHead, t + 1, D]);
    assert.ok(maxAbsDiff(numbers(state['logits']), numbers(want['logits'])) < 1e-12);
  }
});

test('loss is the mean next-token cross-entropy over supervised labels, shifted inside the graph', async (t) => {
  const session = await openSession(buildLossGraph(TINY, { dtype: 'float64', vocabChunks: 3 }).graph);
  const ids = randomIds(2, 6, TINY.vocabSize, 11);
  // A prompt of 2-3 tokens (-100) then the answer, as the collator writes it.
  const labels = ids.map((row, b) => row.map((id, i) => (i < 2 + b ? -100 : id)));
  const out = await run(session, { ...feeds, input_ids: idFeed(ids), labels: idFeed(labels) });
  const want = referenceLoss(TINY, params, ids, labels);
  const got = numbers(out['loss'])[0]!;
  t.diagnostic(`loss ${got} vs reference ${want.loss}`);
  assert.ok(Math.abs(got - want.loss) < 1e-10);
  assert.equal(numbers(out['token_count'])[0], want.count);
  assert.equal(want.count, 4 + 3);
});

test('the first label is never predicted, and -100 labels add nothing; a supervised target does', async () => {
  const session = await openSession(buildLossGraph(TINY, { dtype: 'float64' }).graph);
  const ids = randomIds(2, 5, TINY.vocabSize, 5);
  const labels = ids.map((row) => row.map((id, i) => (i < 2 ? -100 : id)));
  const base = await run(session, { ...feeds, input_ids: idFeed(ids), labels: idFeed(labels) });
  // Position 0's label has no predicting position: any value there changes nothing.
  const first = labels.map((row) => [7, ...row.slice(1)]);
  const same = await run(session, { ...feeds, input_ids: idFeed(ids), labels: idFeed(first) });
  for (const key of Object.keys(base)) assert.deepEqual(numbers(same[key]), numbers(base[key]), key);
  // Turning -100 at position 1 into a target adds a term; the result equals the reference.
  const more = labels.map((row, b) => row.map((y, i) => (i === 1 ? ids[b]![1]! : y)));
  const changed = await run(session, { ...feeds, input_ids: idFeed(ids), labels: idFeed(more) });
  assert.notEqual(numbers(changed['loss'])[0], numbers(base['loss'])[0]);
  assert.ok(Math.abs(numbers(changed['loss'])[0]! - referenceLoss(TINY, params, ids, more).loss) < 1e-10);
  // Changing one supervised target changes the loss and the gradients.
  const other = labels.map((row, b) =>
    row.map((y, i) => (b === 0 && i === 4 ? (y + 1) % TINY.vocabSize : y)),
  );
  const moved = await run(session, { ...feeds, input_ids: idFeed(ids), labels: idFeed(other) });
  assert.notEqual(numbers(moved['loss'])[0], numbers(base['loss'])[0]);
  assert.ok(maxAbsDiff(numbers(moved['grad.wte.weight']), numbers(base['grad.wte.weight'])) > 1e-6);
  assert.ok(
    maxAbsDiff(numbers(moved['grad.h.1.mlp.c_fc.weight']), numbers(base['grad.h.1.mlp.c_fc.weight'])) > 1e-6,
  );
});

test('an all-masked batch gives loss 0, count 0 and zero gradients, without NaN', async () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const session = await openSession(buildLossGraph(TINY, { dtype }).graph);
    const ids = randomIds(2, 5, TINY.vocabSize, 9);
    const labels = ids.map((row) => row.map(() => -100));
    const out = await run(session, {
      ...paramFeeds(TINY, params, dtype),
      input_ids: idFeed(ids),
      labels: idFeed(labels),
    });
    assert.equal(numbers(out['loss'])[0], 0);
    assert.equal(numbers(out['token_count'])[0], 0);
    for (const [key, tensor] of Object.entries(out)) {
      if (key.startsWith('grad.'))
        assert.ok(
          numbers(tensor).every((v) => v === 0),
          `${dtype} ${key}`,
        );
    }
  }
});

test('opsets 17 and 18 both load and give the same loss and gradients; bytes are plain ONNX', async () => {
  const { graph } = buildLossGraph(TINY, { dtype: 'float64', vocabChunks: 2 });
  const ids = randomIds(2, 5, TINY.vocabSize, 2);
  const inputs = { ...feeds, input_ids: idFeed(ids), labels: idFeed(ids) };
  const results = [];
  for (const opset of [17, 18] as const) {
    const bytes = toOnnx(graph, { opset });
    const ops = opTypesOf(bytes);
    assert.ok(
      ops.every((n) => n.domain === ''),
      'only the default ONNX domain',
    );
    assert.ok(
      !ops.some((n) => n.opType.startsWith('Fused') || n.opType === 'LayerNorm' || n.opType === 'GeluNew'),
    );
    assert.ok(!Buffer.from(bytes).includes('com.microsoft'));
    // 'all' optimisation fuses into com.microsoft ops in memory only; the bytes above stay plain.
    results.push(await run(await openModel(bytes, { optimization: 'all' }), inputs));
  }
  const [a, b] = results as [Record<string, unknown>, Record<string, unknown>];
  for (const key of Object.keys(a)) {
    const err = maxAbsDiff(numbers(a[key] as never), numbers(b[key] as never));
    assert.ok(err < 1e-12, `${key}: ${err}`);
  }
});

test('one loss session runs at two batch/sequence shapes and matches the reference at both', async () => {
  const session = await openSession(buildLossGraph(TINY, { dtype: 'float64' }).graph);
  for (const [b, len] of [
    [1, 3],
    [3, 8],
  ] as const) {
    const ids = randomIds(b, len, TINY.vocabSize, len);
    const out = await run(session, { ...feeds, input_ids: idFeed(ids), labels: idFeed(ids) });
    assert.ok(Math.abs(numbers(out['loss'])[0]! - referenceLoss(TINY, params, ids, ids).loss) < 1e-10);
    assert.equal(numbers(out['token_count'])[0], b * (len - 1));
  }
});
