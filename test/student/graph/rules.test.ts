// Every gradient rule against central finite differences in a float64 graph run by onnxruntime-node.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geluNew } from '../../../src/student/graph/composites/gelu';
import type { Graph, Value } from '../../../src/student/graph/ir';
import * as o from '../../../src/student/graph/ops';
import { type Feed, f64, gradCheck, i64, randn, weightedSum } from './helpers';

const TOL = 1e-7;

interface Case {
  readonly name: string;
  /** Input name → static shape; float64 inputs get random values (shifted positive when `positive`). */
  readonly inputs: Record<string, readonly number[]>;
  readonly body: (x: Record<string, Value>, g: Graph) => Value;
  readonly positive?: boolean;
  readonly extraFeeds?: Record<string, Feed>;
}

const cases: Case[] = [
  {
    name: 'Add broadcast [2,3,4] + [4]',
    inputs: { a: [2, 3, 4], b: [4] },
    body: ({ a, b }) => o.add(a!, b!),
  },
  {
    name: 'Add broadcast [3,1] + [2,1,4]',
    inputs: { a: [3, 1], b: [2, 1, 4] },
    body: ({ a, b }) => o.add(a!, b!),
  },
  {
    name: 'Sub broadcast [2,3,4] - [3,1]',
    inputs: { a: [2, 3, 4], b: [3, 1] },
    body: ({ a, b }) => o.sub(a!, b!),
  },
  {
    name: 'Mul broadcast [2,3,4] * [1,3,1]',
    inputs: { a: [2, 3, 4], b: [1, 3, 1] },
    body: ({ a, b }) => o.mul(a!, b!),
  },
  { name: 'Mul same input twice', inputs: { a: [3, 4] }, body: ({ a }) => o.mul(a!, a!) },
  {
    name: 'Div broadcast [2,3] / [3]',
    inputs: { a: [2, 3], b: [3] },
    positive: true,
    body: ({ a, b }) => o.div(a!, b!),
  },
  { name: 'Neg', inputs: { a: [5] }, body: ({ a }) => o.neg(a!) },
  { name: 'Exp', inputs: { a: [2, 3] }, body: ({ a }) => o.exp(a!) },
  { name: 'Log', inputs: { a: [2, 3] }, positive: true, body: ({ a }) => o.log(a!) },
  { name: 'Sqrt', inputs: { a: [2, 3] }, positive: true, body: ({ a }) => o.sqrt(a!) },
  { name: 'Pow by 3', inputs: { a: [2, 3] }, body: ({ a }) => o.pow(a!, o.like(a!, 3)) },
  { name: 'Pow by 0.5', inputs: { a: [2, 3] }, positive: true, body: ({ a }) => o.pow(a!, o.like(a!, 0.5)) },
  { name: 'Tanh', inputs: { a: [2, 3] }, body: ({ a }) => o.tanh(a!) },
  { name: 'Sigmoid', inputs: { a: [2, 3] }, body: ({ a }) => a!.graph.op('Sigmoid', [a!]) },
  {
    name: 'Reciprocal',
    inputs: { a: [2, 3] },
    positive: true,
    body: ({ a }) => a!.graph.op('Reciprocal', [a!]),
  },
  {
    name: 'Identity and Cast',
    inputs: { a: [4] },
    body: ({ a }) => a!.graph.op('Cast', [o.identity(a!)], { to: 'float64' }),
  },
  {
    name: 'MatMul [2,3,4] @ [4,5]',
    inputs: { a: [2, 3, 4], b: [4, 5] },
    body: ({ a, b }) => o.matmul(a!, b!),
  },
  {
    name: 'MatMul [2,3,4] @ [2,4,5]',
    inputs: { a: [2, 3, 4], b: [2, 4, 5] },
    body: ({ a, b }) => o.matmul(a!, b!),
  },
  {
    name: 'MatMul broadcast [2,1,3,4] @ [3,4,2]',
    inputs: { a: [2, 1, 3, 4], b: [3, 4, 2] },
    body: ({ a, b }) => o.matmul(a!, b!),
  },
  {
    name: 'MatMul [3,4] @ [2,4,5]',
    inputs: { a: [3, 4], b: [2, 4, 5] },
    body: ({ a, b }) => o.matmul(a!, b!),
  },
  ...[false, true].flatMap((transA) =>
    [false, true].map(
      (transB): Case => ({
        name: `Gemm transA=${transA} transB=${transB} with bias`,
        inputs: { a: transA ? [4, 3] : [3, 4], b: transB ? [5, 4] : [4, 5], c: [5] },
        body: ({ a, b, c }) =>
          a!.graph.op('Gemm', [a!, b!, c!], { transA: transA ? 1 : 0, transB: transB ? 1 : 0 }),
      }),
    ),
  ),
  { name: 'Reshape', inputs: { a: [2, 3, 4] }, body: ({ a }) => o.reshape(a!, [0, -1, 2]) },
  { name: 'Transpose', inputs: { a: [2, 3, 4] }, body: ({ a }) => o.transpose(a!, [2, 0, 1]) },
  {
    name: 'Squeeze/Unsqueeze',
    inputs: { a: [2, 1, 3] },
    body: ({ a }) => o.unsqueeze(o.squeeze(a!, [1]), [0, 3]),
  },
  {
    name: 'Expand [3,1] to [2,3,4]',
    inputs: { a: [3, 1] },
    body: ({ a }, g) => o.expand(a!, g.constant('int64', [2, 3, 4])),
  },
  { name: 'Slice positive range', inputs: { a: [4, 5] }, body: ({ a }) => o.slice(a!, 1, 1, 4) },
  { name: 'Slice negative start and end', inputs: { a: [4, 5] }, body: ({ a }) => o.slice(a!, 0, -3, -1) },
  {
    name: 'Slice two axes, open end',
    inputs: { a: [3, 4, 5] },
    body: ({ a }) =>
      a!.graph.op('Slice', [a!], { starts: [1, 2], ends: [Number.MAX_SAFE_INTEGER, 4], axes: [0, 2] }),
  },
  {
    name: 'Split with an unused output',
    inputs: { a: [2, 7] },
    body: ({ a }) => {
      const [p, , r] = o.split(a!, 1, [2, 3, 2]);
      return o.concat([r!, p!], 1);
    },
  },
  { name: 'Concat', inputs: { a: [2, 3], b: [2, 1] }, body: ({ a, b }) => o.concat([a!, b!, a!], 1) },
  {
    name: 'Gather rows with repeats',
    inputs: { a: [5, 3] },
    body: ({ a }) => o.gather(a!, a!.graph.input('idx', 'int64', [2, 3])),
    extraFeeds: { idx: i64([0, 4, 4, 2, 0, 0], [2, 3]) },
  },
  {
    name: 'GatherElements',
    inputs: { a: [3, 4] },
    body: ({ a }) => a!.graph.op('GatherElements', [a!, a!.graph.input('idx', 'int64', [3, 2])], { axis: 1 }),
    extraFeeds: { idx: i64([0, 3, 1, 1, 2, 0], [3, 2]) },
  },
  { name: 'ReduceSum keepdims', inputs: { a: [2, 3, 4] }, body: ({ a }) => o.reduceSum(a!, [1], true) },
  {
    name: 'ReduceSum no keepdims',
    inputs: { a: [2, 3, 4] },
    body: ({ a }) => o.reduceSum(a!, [0, 2], false),
  },
  { name: 'ReduceSum all', inputs: { a: [2, 3] }, body: ({ a }) => o.reduceSum(a!, undefined, false) },
  { name: 'ReduceMean', inputs: { a: [2, 3, 4] }, body: ({ a }) => o.reduceMean(a!, [-1], false) },
  { name: 'Softmax', inputs: { a: [2, 5] }, body: ({ a }) => o.softmax(a!, -1) },
  { name: 'Softmax axis 0', inputs: { a: [3, 2] }, body: ({ a }) => o.softmax(a!, 0) },
  { name: 'LogSoftmax', inputs: { a: [2, 5] }, body: ({ a }) => o.logSoftmax(a!, 1) },
  {
    name: 'Where with broadcast branches',
    inputs: { a: [2, 3], b: [3] },
    body: ({ a, b }, g) => o.where(o.greaterOrEqual(a!, g.constant('float64', 0)), a!, b!),
  },
  {
    name: 'GeluNew (composite)',
    inputs: { a: [3, 4] },
    body: ({ a }) => geluNew(o.mul(a!, o.like(a!, 3))),
  },
];

// ORT's CPU Erf kernel is float32-only, so Erf is checked through float32 casts with a float32 tolerance.
test('gradient of Erf (float32 kernel) matches finite differences', async (t) => {
  const result = await gradCheck({
    build: (g) => {
      const a = g.input('a', 'float64', [2, 3]);
      return weightedSum(o.cast(o.erf(o.cast(a, 'float32')), 'float64'));
    },
    feeds: { a: f64(randn(6, 7), [2, 3]) },
    wrt: ['a'],
    h: 1e-3,
  });
  t.diagnostic(`max relative error ${result.maxRelError.toExponential(2)}`);
  assert.ok(result.maxRelError < 1e-3, JSON.stringify(result.perTensor));
});

for (const c of cases) {
  test(`gradient of ${c.name} matches finite differences`, async (t) => {
    const feeds: Record<string, Feed> = { ...c.extraFeeds };
    let seed = 1;
    for (const [name, shape] of Object.entries(c.inputs)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = randn(n, seed++);
      if (c.positive) for (let i = 0; i < n; i++) data[i] = 0.5 + Math.abs(data[i]!);
      feeds[name] = f64(data, shape);
    }
    const result = await gradCheck({
      build: (g) => {
        const x: Record<string, Value> = {};
        for (const [name, shape] of Object.entries(c.inputs)) x[name] = g.input(name, 'float64', shape);
        return weightedSum(c.body(x, g));
      },
      feeds,
      wrt: Object.keys(c.inputs),
    });
    t.diagnostic(`max relative error ${result.maxRelError.toExponential(2)}`);
    assert.ok(result.maxRelError < TOL, JSON.stringify(result.perTensor));
  });
}
