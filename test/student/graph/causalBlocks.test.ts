// Causal attention in query blocks (causalBlocks.ts) against full causal attention: the same loss and the same
// gradient for every parameter, in float64 at opsets 17 and 18, with attention probabilities stored and
// recomputed; and the work it skips, read off the graph.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../../src/student/data/collator';
import { blockedSeqDim } from '../../../src/student/graph/causalBlocks';
import { dimEq } from '../../../src/student/graph/dims';
import { declareParams, gpt2Params, transformer } from '../../../src/student/graph/gpt2';
import { Graph } from '../../../src/student/graph/ir';
import { buildLossGraph, type LossGraphOptions } from '../../../src/student/graph/loss';
import { openSession } from '../../../src/student/graph/session';
import { TrainSessions } from '../../../src/student/train/graphs';
import { numbers, run } from './helpers';
import { idFeed, paramFeeds, randomIds, randomParams, TINY } from './reference';

const params = randomParams(TINY, 5);
const ids = randomIds(2, 8, TINY.vocabSize, 31);
// Row 0: positions 1-2 are prompt; row 1: positions 1-4 (the prompt crosses the block boundary at 4).
const labels = ids.map((row, b) => row.map((id, i) => (i > 0 && i <= 2 + 2 * b ? -100 : id)));
const batch = { input_ids: idFeed(ids), labels: idFeed(labels) };

async function lossAndGradients(options: Omit<LossGraphOptions, 'dtype'>, opset: 17 | 18 = 17) {
  const graph = buildLossGraph(TINY, { dtype: 'float64', vocabChunks: 2, ...options }).graph;
  const r = await run(await openSession(graph, { opset }), { ...paramFeeds(TINY, params), ...batch });
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, numbers(v)]));
}

function worstRelativeDifference(a: Record<string, number[]>, b: Record<string, number[]>): number {
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  let worst = 0;
  for (const [key, x] of Object.entries(a)) {
    const y = b[key]!;
    assert.equal(y.length, x.length, key);
    const scale = Math.max(1e-30, ...x.map(Math.abs));
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / scale);
  }
  return worst;
}

for (const recomputeAttention of [true, false]) {
  test(`float64, probabilities ${recomputeAttention ? 'recomputed' : 'stored'}: 2 and 4 query blocks give full attention's loss and every gradient`, async (t) => {
    const full = await lossAndGradients({ recomputeAttention });
    assert.ok(full['loss']![0]! > 0, 'a real loss');
    for (const attentionBlocks of [2, 4]) {
      const blocked = await lossAndGradients({ recomputeAttention, attentionBlocks });
      const worst = worstRelativeDifference(full, blocked);
      t.diagnostic(`${attentionBlocks} blocks: worst relative difference ${worst.toExponential(2)}`);
      assert.ok(worst < 1e-12, `${attentionBlocks} blocks differ by ${worst}`);
    }
  });
}

test('opset 18 (Split with num_outputs) gives the opset 17 graph its numbers', async () => {
  const at17 = await lossAndGradients({ attentionBlocks: 2 }, 17);
  const at18 = await lossAndGradients({ attentionBlocks: 2 }, 18);
  assert.ok(worstRelativeDifference(at17, at18) < 1e-12);
});

test('each block attends only its key prefix: (n+1)/(2n) of the T × T scores', () => {
  for (const blocks of [1, 2, 4]) {
    const { graph } = buildLossGraph(TINY, { dtype: 'float32', attentionBlocks: blocks });
    const ids = graph.inputs.find((v) => v.name === 'input_ids')!;
    assert.ok(
      dimEq(ids.shape[1]!, blockedSeqDim(blocks)),
      `input_ids declared [B, ${blockedSeqDim(blocks)}]`,
    );
    const attention = graph.nodes.filter((n) => n.op === 'MaskedAttention');
    assert.equal(attention.length, TINY.nLayer * blocks);
    // Per layer, the blocks' bias areas add up to (n+1)/(2n) · T² with T = n·Tb, i.e. n(n+1)/2 · Tb².
    const layer = attention.slice(0, blocks).map((n) => n.inputs[3]!.shape.join(' × '));
    const expected = Array.from({ length: blocks }, (_, i) => {
      const keys = blocks === 1 ? 'T' : i === 0 ? 'Tb' : `${i + 1}*Tb`;
      return `${blocks === 1 ? 'T' : 'Tb'} × ${keys}`;
    });
    assert.deepEqual(layer, expected);
  }
});

test('a sequence axis not declared as a multiple of the blocks is refused when the graph is built', () => {
  assert.throws(() => blockedSeqDim(0), /attention blocks must be ≥ 1/);
  assert.throws(() => blockedSeqDim(1.5), /attention blocks must be ≥ 1/);
  const g = new Graph();
  const params = declareParams(g, TINY, 'float32');
  const ids = g.input('input_ids', 'int64', ['B', 'T']);
  assert.throws(
    () => transformer(TINY, params, ids, undefined, { attentionBlocks: 2 }),
    /cannot split axis 0 of length T into 2 equal parts/,
  );
  const cached = new Graph();
  const past = Array.from({ length: TINY.nLayer }, () => ({
    key: cached.input(`k${cached.inputs.length}`, 'float32', ['B', TINY.nHead, 'P', 4]),
    value: cached.input(`v${cached.inputs.length}`, 'float32', ['B', TINY.nHead, 'P', 4]),
  }));
  const cachedIds = cached.input('input_ids', 'int64', ['B', '2*Tb']);
  assert.throws(
    () => transformer(TINY, declareParams(cached, TINY, 'float32'), cachedIds, past, { attentionBlocks: 2 }),
    /attention blocks are for graphs without a key\/value cache/,
  );
});

test('the training sessions refuse a batch whose length does not divide into their blocks, saying what to change', async () => {
  const sessions = new TrainSessions(TINY, gpt2Params(TINY), 'cpu', {}, undefined, { attentionBlocks: 4 });
  const batch = (seqLen: number): Batch => ({
    inputIds: new Int32Array(2 * seqLen),
    labels: new Int32Array(2 * seqLen),
    attentionMask: new Int32Array(2 * seqLen),
    batchSize: 2,
    seqLen,
    exampleIds: ['a', 'b'],
    supervisedTokens: 2,
  });
  assert.deepEqual(sessions.batchFeeds(batch(8))['input_ids']!.dims, [2, 8]);
  assert.throws(
    () => sessions.batchFeeds(batch(6)),
    /6 tokens a row cannot be cut into 4 equal attention blocks: pad batches to a multiple of 4 \(data\.padToMultipleOf\) or set attentionBlocks: 1/,
  );
  await sessions.release();
});
