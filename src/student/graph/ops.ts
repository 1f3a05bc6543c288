// Terse builders over Graph.op for model and rule code: `add(a, b)` reads like the math it encodes, and the
// graph comes from the operands, so rules and models never thread a builder through every call.

import type { DType, Graph, Value } from './ir';
import { GraphError } from './registry';

const two = (op: string) => (a: Value, b: Value) => a.graph.op(op, [a, b]);
const one = (op: string) => (x: Value) => x.graph.op(op, [x]);

export const add = two('Add');
export const sub = two('Sub');
export const mul = two('Mul');
export const div = two('Div');
export const pow = two('Pow');
export const max = two('Max');
export const min = two('Min');
export const greater = two('Greater');
export const equal = two('Equal');
export const greaterOrEqual = two('GreaterOrEqual');
export const and = two('And');
export const neg = one('Neg');
export const exp = one('Exp');
export const log = one('Log');
export const sqrt = one('Sqrt');
export const tanh = one('Tanh');
export const erf = one('Erf');
export const not = one('Not');
export const identity = one('Identity');

/** A scalar constant of x's dtype (shared per graph), for `mul(x, like(x, 0.5))`. */
export function like(x: Value, value: number): Value {
  return x.graph.constant(x.dtype, value);
}

export function scalar(g: Graph, dtype: DType, value: number): Value {
  return g.constant(dtype, value);
}

/** The most negative finite value of a float dtype: a mask fill that survives fp16/fp32 without overflow. */
export function lowest(dtype: DType): number {
  if (dtype === 'float32') return -3.4028234663852886e38;
  if (dtype === 'float64') return -Number.MAX_VALUE;
  throw new GraphError(`no lowest value for ${dtype}`);
}

export function where(cond: Value, x: Value, y: Value): Value {
  return cond.graph.op('Where', [cond, x, y]);
}

export function cast(x: Value, to: DType): Value {
  return x.dtype === to ? x : x.graph.op('Cast', [x], { to });
}

export function matmul(a: Value, b: Value): Value {
  return a.graph.op('MatMul', [a, b]);
}

/** 2-D a @ b with optional transposes, as one Gemm (no Transpose node, which ORT would fuse anyway). */
export function gemm(a: Value, b: Value, opts: { transA?: boolean; transB?: boolean } = {}): Value {
  return a.graph.op('Gemm', [a, b], { transA: opts.transA ? 1 : 0, transB: opts.transB ? 1 : 0 });
}

/** Shape vector of x (or of dims start..end) as an int64 tensor whose symbolic values the IR tracks. */
export function shapeOf(x: Value, start?: number, end?: number): Value {
  const attrs: Record<string, number> = {};
  if (start !== undefined) attrs['start'] = start;
  if (end !== undefined) attrs['end'] = end;
  return x.graph.op('Shape', [x], attrs);
}

/** Reshape to dims (0 copies the input dim, -1 is inferred) or to a shape vector from `shapeOf`. */
export function reshape(x: Value, to: readonly number[] | Value): Value {
  const target = Array.isArray(to) ? x.graph.constant('int64', to as number[]) : (to as Value);
  return x.graph.op('Reshape', [x, target]);
}

export function expand(x: Value, to: Value): Value {
  return x.graph.op('Expand', [x, to]);
}

export function transpose(x: Value, perm: readonly number[]): Value {
  return x.graph.op('Transpose', [x], { perm });
}

export function slice(x: Value, axis: number, start: number, end: number): Value {
  return x.graph.op('Slice', [x], { starts: [start], ends: [end], axes: [axis] });
}

export function split(x: Value, axis: number, sizes: readonly number[]): Value[] {
  return x.graph.opMulti('Split', [x], { axis, split: sizes });
}

/** `parts` equal pieces of an axis (which may be symbolic, as long as its length provably divides). */
export function splitEqual(x: Value, axis: number, parts: number): Value[] {
  return x.graph.opMulti('Split', [x], { axis, parts });
}

export function concat(xs: readonly Value[], axis: number): Value {
  const first = xs[0];
  if (!first) throw new GraphError('concat of nothing');
  return xs.length === 1 ? first : first.graph.op('Concat', xs, { axis });
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  return x.graph.op('Squeeze', [x], { axes });
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  return x.graph.op('Unsqueeze', [x], { axes });
}

export function gather(data: Value, indices: Value, axis = 0): Value {
  return data.graph.op('Gather', [data, indices], { axis });
}

type Reduce = (x: Value, axes?: readonly number[], keepdims?: boolean) => Value;
const reduce =
  (op: string): Reduce =>
  (x, axes, keepdims = true) =>
    x.graph.op(op, [x], axes ? { axes, keepdims: keepdims ? 1 : 0 } : { keepdims: keepdims ? 1 : 0 });

export const reduceSum = reduce('ReduceSum');
export const reduceMean = reduce('ReduceMean');
export const reduceMax = reduce('ReduceMax');
export const reduceSumSquare = reduce('ReduceSumSquare');

export function softmax(x: Value, axis = -1): Value {
  return x.graph.op('Softmax', [x], { axis });
}

export function logSoftmax(x: Value, axis = -1): Value {
  return x.graph.op('LogSoftmax', [x], { axis });
}

/** Zeros with x's shape and dtype (ConstantOfShape, so symbolic shapes work; ORT folds static ones). */
export function zerosLike(x: Value): Value {
  const g = x.graph;
  const shape = x.shape.every((d) => typeof d === 'number')
    ? g.constant('int64', x.shape as number[])
    : shapeOf(x);
  const value = { dtype: x.dtype, shape: [1], data: zeroData(x.dtype) };
  return g.op('ConstantOfShape', [shape], { value });
}

function zeroData(dtype: DType) {
  switch (dtype) {
    case 'float32':
      return new Float32Array(1);
    case 'float64':
      return new Float64Array(1);
    case 'int64':
      return new BigInt64Array(1);
    case 'bool':
      return new Uint8Array(1);
  }
}
