// The IR catches mistakes at build time with messages naming the node; symbolic dims stay exact; gradients
// through symbolic shapes (Slice on T, Reshape via Shape, ReduceMean via Size) run at any size.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradients } from '../../../src/student/graph/autodiff';
import { dimAdd, dimDiv, dimEq, dimMul, dimSub, evalDim } from '../../../src/student/graph/dims';
import { Graph } from '../../../src/student/graph/ir';
import { toOnnx } from '../../../src/student/graph/onnx';
import { ModelProto } from '../../../src/student/graph/onnxSchema';
import * as o from '../../../src/student/graph/ops';
import { GraphError } from '../../../src/student/graph/registry';
import { openSession } from '../../../src/student/graph/session';
import { f64, numbers, randn, run } from './helpers';

test('symbolic dims are canonical polynomials', () => {
  assert.equal(dimAdd('T', 'P'), 'P+T');
  assert.ok(dimEq('T+P', 'P+T'));
  assert.equal(dimSub(dimAdd('P', 'T'), 'P'), 'T');
  assert.equal(dimMul('B', dimSub('T', 1)), 'B*T-B');
  assert.equal(dimDiv(dimMul(dimMul('B', 'T'), 8), 8), 'B*T');
  assert.equal(dimDiv('B*T', 'C'), undefined);
  assert.equal(dimSub('T', 'T'), 0);
  assert.equal(evalDim('B*T-B', { B: 2, T: 5 }), 8);
});

test('shape mistakes fail at build time, naming the op, the scope and the shapes', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 'T', 8]);
  const w = g.input('w', 'float32', [7, 3]);
  assert.throws(
    () => g.scope('h.0/mlp', () => o.matmul(x, w)),
    (e: unknown) =>
      e instanceof GraphError && /MatMul in h\.0\/mlp/.test(e.message) && /inner dims differ/.test(e.message),
  );
  assert.throws(
    () => o.add(x, g.input('y', 'float32', ['B', 'S', 8])),
    /do not broadcast \(axis 1: T vs S\)/,
  );
  assert.throws(() => o.add(x, g.input('z', 'float64', [8])), /share a dtype/);
  assert.throws(() => o.reshape(x, [-1, 3]), /not a multiple/);
  assert.throws(() => o.split(x, 2, [3, 3]), /do not add up to 8/);
  // Equal parts of a symbolic axis only where its polynomial provably divides.
  assert.throws(() => o.splitEqual(x, 1, 2), /cannot split axis 1 of length T into 2 equal parts/);
  const even = g.input('even', 'float32', ['B', '2*Tb+2', 8]);
  assert.deepEqual(
    o.splitEqual(even, 1, 2).map((p) => p.shape),
    [
      ['B', 'Tb+1', 8],
      ['B', 'Tb+1', 8],
    ],
  );
  assert.throws(() => o.splitEqual(even, 2, 3), /length 8 into 3 equal parts/);
  assert.throws(() => g.op('NoSuchOp', [x]), /not supported/);
  assert.throws(() => g.input('x', 'float32', [1]), /already used/);
  assert.equal(String(o.reshape(o.slice(x, 1, 0, -1), [-1, 8])).split(':')[1], 'float32[B*T-B, 8]');
});

test('gradients refuse ops without a rule and non-scalar losses, with clear messages', () => {
  const g = new Graph();
  const x = g.input('x', 'float64', [3]);
  assert.throws(() => gradients(o.reduceMax(x, undefined, false), [x]), /no gradient rule for ReduceMax/);
  assert.throws(() => gradients(o.exp(x), [x]), /not a scalar/);
  const [unused] = gradients(o.reduceSum(o.exp(x), undefined, false), [g.input('u', 'float64', [2])]);
  assert.equal(unused!.shape.join(','), '2');
});

test('gradients through symbolic shapes run at two sizes and equal the analytic answer', async () => {
  // loss = Σ mean_C(reshape(x[:, 1:-1])²): d/dx = 2x/C inside the slice, 0 on its borders.
  const g = new Graph();
  const x = g.input('x', 'float64', ['B', 'T', 4]);
  const inner = o.slice(o.slice(x, 1, 1, -1), 0, 0, Number.MAX_SAFE_INTEGER);
  const flat = o.reshape(inner, [-1, 4]);
  const loss = o.reduceSum(o.reduceMean(o.mul(flat, flat), [-1, -2], false), undefined, false);
  g.output(loss, 'loss');
  g.output(gradients(loss, [x])[0]!, 'dx');
  const session = await openSession(g);
  for (const [b, t] of [
    [1, 3],
    [2, 6],
  ] as const) {
    const data = randn(b * t * 4, b + t);
    const out = await run(session, { x: f64(data, [b, t, 4]) });
    const dx = numbers(out['dx']);
    const n = b * (t - 2) * 4;
    data.forEach((v, i) => {
      const pos = Math.floor(i / 4) % t;
      const want = pos === 0 || pos === t - 1 ? 0 : (2 * v) / n;
      assert.ok(Math.abs(dx[i]! - want) < 1e-14, `b=${b} t=${t} i=${i}`);
    });
  }
});

test('emitted model declares the opset, IR version 8 and symbolic dims as dim_param', () => {
  const g = new Graph('m');
  const x = g.input('x', 'float32', ['B', 'T']);
  g.output(o.reduceMean(x, [1], false), 'y');
  for (const opset of [17, 18] as const) {
    const model = ModelProto.toObject(ModelProto.decode(toOnnx(g, { opset })), { longs: Number }) as {
      irVersion: number;
      opsetImport: { version: number }[];
      graph: {
        input: { type: { tensorType: { shape: { dim: { dimParam?: string }[] } } } }[];
        node: { input: string[]; attribute?: { name: string }[] }[];
      };
    };
    assert.equal(model.irVersion, 8);
    assert.equal(model.opsetImport[0]!.version, opset);
    assert.deepEqual(
      model.graph.input[0]!.type.tensorType.shape.dim.map((d) => d.dimParam),
      ['B', 'T'],
    );
    const reduce = model.graph.node[0]!;
    // ReduceMean takes axes as an attribute at 17 and as an input at 18.
    assert.equal(reduce.input.length, opset === 17 ? 1 : 2);
    assert.equal(
      (reduce.attribute ?? []).some((a) => a.name === 'axes'),
      opset === 17,
    );
  }
});

test('only nodes an output depends on are emitted, with only the constants they read', () => {
  const g = new Graph('m');
  const x = g.input('x', 'float32', [3]);
  o.mul(x, g.constant('float32', [7, 8, 9])); // left unused, as autodiff leaves values
  g.output(o.add(x, g.constant('float32', [1, 2, 3])), 'y');
  const model = ModelProto.toObject(ModelProto.decode(toOnnx(g)), { longs: Number }) as {
    graph: { node: { opType: string; input: string[] }[]; initializer: { name: string }[] };
  };
  assert.deepEqual(
    model.graph.node.map((n) => n.opType),
    ['Add'],
  );
  assert.deepEqual(
    model.graph.initializer.map((t) => t.name),
    [model.graph.node[0]!.input[1]],
  );
});

test('Slice gradients on a symbolic axis pad from the runtime length', async () => {
  // loss = Σ x[:, -2:]² + Σ x[:, :2]³, for x [B, T] with T unknown at build time (T ≥ 2).
  const g = new Graph();
  const x = g.input('x', 'float64', ['B', 'T']);
  const tail = o.slice(x, 1, -2, Number.MAX_SAFE_INTEGER);
  const head = o.slice(x, 1, 0, 2);
  const loss = o.add(
    o.reduceSum(o.mul(tail, tail), undefined, false),
    o.reduceSum(o.mul(o.mul(head, head), head), undefined, false),
  );
  g.output(loss, 'loss');
  g.output(gradients(loss, [x])[0]!, 'dx');
  const session = await openSession(g);
  for (const t of [2, 3, 6]) {
    const data = randn(2 * t, t);
    const dx = numbers((await run(session, { x: f64(data, [2, t]) }))['dx']);
    data.forEach((v, i) => {
      const pos = i % t;
      const want = (pos >= t - 2 ? 2 * v : 0) + (pos < 2 ? 3 * v * v : 0);
      assert.ok(Math.abs(dx[i]! - want) < 1e-14, `t=${t} i=${i}`);
    });
  }
});
