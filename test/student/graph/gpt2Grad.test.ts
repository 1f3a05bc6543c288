// Every GPT-2 parameter's gradient against central finite differences of the float64 loss graph (every
// entry of every tensor), and the float32 graph's gradients against the float64 ones.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gpt2Params } from '../../../src/student/graph/gpt2';
import { buildLossGraph } from '../../../src/student/graph/loss';
import { openSession } from '../../../src/student/graph/session';
import { finiteDifferenceCheck, numbers, run } from './helpers';
import { idFeed, paramFeeds, randomIds, randomParams, TINY } from './reference';

const params = randomParams(TINY, 3);
const ids = randomIds(2, 5, TINY.vocabSize, 21);
// Position 1 of row 0 and positions 1-2 of row 1 are prompt (-100); vocabulary split in 3 uneven chunks.
const labels = ids.map((row, b) => row.map((id, i) => (i > 0 && i <= b + 1 ? -100 : id)));
const batch = { input_ids: idFeed(ids), labels: idFeed(labels) };
const names = gpt2Params(TINY).map((p) => p.name);

// Each backward path of the two composites that choose between storing and recomputing runs in one of the cases.
for (const recomputeAttention of [false, true]) {
  const storeLogits = recomputeAttention;
  const attention = recomputeAttention ? 'recomputed' : 'stored';
  const logits = storeLogits ? 'stored' : 'recomputed';
  test(`float64, attention probabilities ${attention}, LM head logits ${logits}: every entry of every parameter gradient matches central differences`, async (t) => {
    const graph = buildLossGraph(TINY, {
      dtype: 'float64',
      vocabChunks: 3,
      recomputeAttention,
      storeLogits,
    }).graph;
    const session = await openSession(graph);
    const started = performance.now();
    const result = await finiteDifferenceCheck(session, { ...paramFeeds(TINY, params), ...batch }, names);
    const worst = Object.entries(result.perTensor).sort((a, b) => b[1] - a[1])[0]!;
    t.diagnostic(
      `max relative error ${result.maxRelError.toExponential(2)} (${worst[0]}), ${names.length} tensors`,
    );
    t.diagnostic(`finite differences took ${((performance.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(result.maxRelError < 1e-7, JSON.stringify(result.perTensor));
  });
}

test('float32: keeping the LM head logits for the backward pass gives the recomputing graph gradients bit for bit', async () => {
  const out: Record<string, number[]>[] = [];
  for (const storeLogits of [false, true]) {
    const graph = buildLossGraph(TINY, { dtype: 'float32', vocabChunks: 3, storeLogits }).graph;
    const stored = graph.nodes.filter((n) => n.op === 'ChunkedLogSumExp' && n.outputs.length === 4);
    assert.equal(stored.length, storeLogits ? 1 : 0, 'the head keeps its 3 chunks only when asked');
    const r = await run(await openSession(graph), { ...paramFeeds(TINY, params, 'float32'), ...batch });
    out.push(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, numbers(v)])));
  }
  const [recomputed, kept] = out as [Record<string, number[]>, Record<string, number[]>];
  assert.deepEqual(Object.keys(kept).sort(), Object.keys(recomputed).sort());
  for (const key of Object.keys(recomputed)) assert.deepEqual(kept[key], recomputed[key], key);
});

test('float32 gradients agree with float64 ones to 1e-3 relative (per tensor)', async (t) => {
  const out: Record<string, number[]>[] = [];
  for (const dtype of ['float64', 'float32'] as const) {
    const session = await openSession(buildLossGraph(TINY, { dtype, vocabChunks: 3 }).graph);
    const r = await run(session, { ...paramFeeds(TINY, params, dtype), ...batch });
    out.push(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, numbers(v)])));
  }
  const [ref, f32] = out as [Record<string, number[]>, Record<string, number[]>];
  let worst = 0;
  for (const key of Object.keys(ref)) {
    const a = ref[key]!;
    const b = f32[key]!;
    let err = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs(a[i]! - b[i]!));
      scale = Math.max(scale, Math.abs(a[i]!));
    }
    const rel = scale === 0 ? err : err / scale;
    worst = Math.max(worst, rel);
    assert.ok(rel < 1e-3, `${key}: ${rel}`);
  }
  t.diagnostic(`max relative difference float32 vs float64: ${worst.toExponential(2)}`);
});
