// LoRA dropout in the graph: a targeted module with a keep mask computes PEFT's
//   x @ W + b + (alpha / r) · ((x · mask / (1 - p)) @ A) @ B
// (checked against a float64 host loop), the adapters' gradients through the mask match central differences,
// and dropout 0 builds byte for byte the graph without dropout (no mask inputs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, type Value } from '../../../src/student/graph/ir';
import {
  declareLora,
  type LoraShape,
  loraMaskSpecs,
  loraParams,
  withLora,
} from '../../../src/student/graph/lora';
import { buildLossGraph } from '../../../src/student/graph/loss';
import { toOnnx } from '../../../src/student/graph/onnx';
import * as o from '../../../src/student/graph/ops';
import { openSession } from '../../../src/student/graph/session';
import { fillDropoutMask } from '../../../src/student/train/loraDropout';
import { type Feed, f64, finiteDifferenceCheck, numbers, randn, run } from './helpers';
import { idFeed, paramFeeds, randomIds, randomParams, TINY } from './reference';

const ALL: LoraShape = { rank: 2, alpha: 3, targets: ['c_attn', 'c_proj', 'c_fc'] };
const B = 2;
const T = 5;

/** Keep masks (bool [B, T, in]) for every targeted module, drawn as training draws them. */
function maskFeeds(lora: LoraShape, p: number, step: number): Record<string, Feed> {
  const out: Record<string, Feed> = {};
  for (const m of loraMaskSpecs(TINY, lora)) {
    const data = new Uint8Array(B * T * m.fanIn);
    fillDropoutMask(data, { seed: 5, step, micro: 0, layer: m.layer, module: m.module }, p);
    out[m.name] = { dtype: 'bool', data, dims: [B, T, m.fanIn] };
  }
  return out;
}

function adapterFeeds(lora: LoraShape, seed: number, scale = 0.3): Record<string, Feed> {
  const out: Record<string, Feed> = {};
  loraParams(TINY, lora).forEach((s, i) => {
    out[s.name] = f64(randn(s.shape[0]! * s.shape[1]!, seed * 100 + i, scale), s.shape);
  });
  return out;
}

test('a masked module adds (alpha/r)·((x·mask/(1-p)) @ A) @ B: float64 graph vs a host loop', async () => {
  const lora: LoraShape = { rank: 3, alpha: 5, targets: ['c_fc'] };
  const p = 0.3;
  const prefix = 'h.1.mlp.c_fc';
  const [fanIn, fanOut] = [TINY.nEmbd, 4 * TINY.nEmbd];
  const g = new Graph('masked_linear');
  const params = new Map<string, Value>();
  declareLora(g, TINY, lora, 'float64', params, p);
  const x = g.input('x', 'float64', ['B', 'T', fanIn]);
  const w = g.input('w', 'float64', [fanIn, fanOut]);
  const y = withLora(o.matmul(x, w), x, params, prefix);
  g.output(y, 'y');
  const masks = maskFeeds(lora, p, 3);
  const adapters = adapterFeeds(lora, 2);
  const feeds: Record<string, Feed> = {
    ...masks,
    ...adapters,
    x: f64(randn(B * T * fanIn, 11), [B, T, fanIn]),
    w: f64(randn(fanIn * fanOut, 12), [fanIn, fanOut]),
  };
  // ORT's optimiser would fold the scaling into a FusedMatMul's float32 alpha (a 1e-8 relative change in
  // float64): the graph's own arithmetic is what is checked here.
  const session = await openSession(g, { optimization: 'disabled' });
  // The graph takes every layer's masks; only this module's matters here.
  const got = numbers((await run(session, feeds))['y']);

  const xs = feeds['x']!.data as Float64Array;
  const ws = feeds['w']!.data as Float64Array;
  const a = adapters[`${prefix}.lora_A`]!.data as Float64Array;
  const b = adapters[`${prefix}.lora_B`]!.data as Float64Array;
  const mask = masks[`${prefix}.lora_dropout_mask`]!.data as Uint8Array;
  const r = lora.rank;
  const scaling = lora.alpha / lora.rank;
  let dropped = 0;
  let worst = 0;
  for (let n = 0; n < B * T; n++) {
    const dx = new Float64Array(fanIn);
    for (let i = 0; i < fanIn; i++) {
      dx[i] = (xs[n * fanIn + i]! * mask[n * fanIn + i]!) / (1 - p); // PEFT's nn.Dropout in training
      if (mask[n * fanIn + i] === 0) dropped++;
    }
    for (let j = 0; j < fanOut; j++) {
      let base = 0;
      for (let i = 0; i < fanIn; i++) base += xs[n * fanIn + i]! * ws[i * fanOut + j]!;
      let lowRank = 0;
      for (let k = 0; k < r; k++) {
        let xa = 0;
        for (let i = 0; i < fanIn; i++) xa += dx[i]! * a[i * r + k]!;
        lowRank += xa * b[k * fanOut + j]!;
      }
      worst = Math.max(worst, Math.abs(got[n * fanOut + j]! - (base + scaling * lowRank)));
    }
  }
  assert.ok(dropped > 0 && dropped < B * T * fanIn, `the mask drops some inputs (${dropped})`);
  assert.ok(worst < 1e-12, `max |Δ| ${worst}`);
});

test('float64: adapter gradients through fixed dropout masks match central differences', async (t) => {
  const p = 0.4;
  const { graph } = buildLossGraph(TINY, { dtype: 'float64', vocabChunks: 3, lora: ALL, loraDropout: p });
  const maskInputs = graph.inputs.filter((v) => v.dtype === 'bool');
  assert.deepEqual(
    maskInputs.map((v) => `${v.name} [${v.shape.join(', ')}]`),
    loraMaskSpecs(TINY, ALL).map((m) => `${m.name} [B, T, ${m.fanIn}]`),
  );
  assert.equal(maskInputs.length, TINY.nLayer * 4, 'c_proj targets both projections');

  const ids = randomIds(B, T, TINY.vocabSize, 21);
  const labels = ids.map((row, b) => row.map((id, i) => (i > 0 && i <= b + 1 ? -100 : id)));
  const feeds = {
    ...paramFeeds(TINY, randomParams(TINY, 3)),
    ...adapterFeeds(ALL, 4),
    ...maskFeeds(ALL, p, 1),
    input_ids: idFeed(ids),
    labels: idFeed(labels),
  };
  const session = await openSession(graph);
  const names = loraParams(TINY, ALL).map((s) => s.name);
  const result = await finiteDifferenceCheck(session, feeds, names);
  t.diagnostic(`max relative error ${result.maxRelError.toExponential(2)} over ${names.length} tensors`);
  assert.ok(result.maxRelError < 1e-7, JSON.stringify(result.perTensor));

  // The masks are really in the loss: other masks give another loss and other gradients.
  const other = await run(session, { ...feeds, ...maskFeeds(ALL, p, 2) });
  const base = await run(session, feeds);
  assert.notEqual(numbers(other['loss'])[0], numbers(base['loss'])[0]);
  assert.notDeepEqual(
    numbers(other['grad.h.0.attn.c_attn.lora_A']),
    numbers(base['grad.h.0.attn.c_attn.lora_A']),
  );
});

test('dropout 0 builds the graph without dropout, byte for byte; dropout is validated', () => {
  const bytes = (loraDropout?: number) =>
    Buffer.from(
      toOnnx(
        buildLossGraph(TINY, {
          dtype: 'float32',
          lora: ALL,
          reduction: 'sum',
          ...(loraDropout === undefined ? {} : { loraDropout }),
        }).graph,
        { opset: 17 },
      ),
    );
  assert.ok(bytes(0).equals(bytes()));
  assert.ok(!bytes(0.1).equals(bytes()));
  assert.throws(() => buildLossGraph(TINY, { dtype: 'float32', lora: ALL, loraDropout: 1 }), /\[0, 1\)/);
  assert.throws(() => buildLossGraph(TINY, { dtype: 'float32', lora: ALL, loraDropout: -0.1 }), /\[0, 1\)/);
});
