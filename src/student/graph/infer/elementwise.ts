// Shape inference for elementwise ops: numpy broadcasting, dtype agreement, and exact arithmetic on known
// int64 values so shape vectors built in the graph (P+T, T-1) stay symbolic instead of becoming unknown.

import { broadcastShapes, type Dim, dimAdd, dimMul, dimSub } from '../dims';
import type { DType, Value } from '../ir';
import {
  defineOp,
  expectDType,
  expectInputs,
  expectSameDType,
  FLOAT_TYPES,
  GraphError,
  type OutInfo,
  stringAttr,
} from '../registry';

const NUMERIC: readonly DType[] = ['float32', 'float64', 'int64'];

/** Elementwise combination of known values with broadcasting of single values (enough for shape vectors). */
function combineKnown(inputs: readonly Value[], f: (a: Dim, b: Dim) => Dim): readonly Dim[] | undefined {
  const [a, b] = inputs;
  if (!a?.known || !b?.known || a.dtype !== 'int64') return undefined;
  const n = Math.max(a.known.length, b.known.length);
  if ((a.known.length !== n && a.known.length !== 1) || (b.known.length !== n && b.known.length !== 1)) {
    return undefined;
  }
  const out: Dim[] = [];
  for (let i = 0; i < n; i++)
    out.push(f(a.known[a.known.length === 1 ? 0 : i]!, b.known[b.known.length === 1 ? 0 : i]!));
  return out;
}

function binary(op: string, allowed: readonly DType[], known?: (a: Dim, b: Dim) => Dim): void {
  defineOp(op, {
    infer: (inputs) => {
      expectInputs(inputs, 2);
      const dtype = expectSameDType(inputs);
      expectDType(inputs[0]!, allowed, `${op} input`);
      const shape = broadcastShapes(inputs.map((v) => v.shape));
      const info: OutInfo = { dtype, shape };
      const k = known ? combineKnown(inputs, known) : undefined;
      return [k ? { ...info, known: k } : info];
    },
  });
}

binary('Add', NUMERIC, dimAdd);
binary('Sub', NUMERIC, dimSub);
binary('Mul', NUMERIC, dimMul);
binary('Div', NUMERIC);
binary('Pow', FLOAT_TYPES);
binary('Max', NUMERIC);
binary('Min', NUMERIC);
binary('And', ['bool']);
binary('Or', ['bool']);

for (const op of ['Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual']) {
  defineOp(op, {
    infer: (inputs) => {
      expectInputs(inputs, 2);
      expectSameDType(inputs);
      return [{ dtype: 'bool', shape: broadcastShapes(inputs.map((v) => v.shape)) }];
    },
  });
}

defineOp('Where', {
  infer: (inputs) => {
    expectInputs(inputs, 3);
    const [cond, x, y] = inputs as [Value, Value, Value];
    expectDType(cond, ['bool'], 'Where condition');
    const dtype = expectSameDType([x, y]);
    return [{ dtype, shape: broadcastShapes([cond.shape, x.shape, y.shape]) }];
  },
});

function unary(op: string, allowed: readonly DType[]): void {
  defineOp(op, {
    infer: (inputs) => {
      expectInputs(inputs, 1);
      const x = inputs[0]!;
      expectDType(x, allowed, `${op} input`);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
  });
}

for (const op of ['Exp', 'Log', 'Sqrt', 'Tanh', 'Erf', 'Reciprocal', 'Sigmoid', 'Relu'])
  unary(op, FLOAT_TYPES);
unary('Neg', NUMERIC);
unary('Abs', NUMERIC);
unary('Not', ['bool']);

defineOp('Identity', {
  infer: (inputs) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    return [
      x.known ? { dtype: x.dtype, shape: x.shape, known: x.known } : { dtype: x.dtype, shape: x.shape },
    ];
  },
});

const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool'];

defineOp('Cast', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const to = stringAttr(attrs, 'to') as DType;
    if (!DTYPES.includes(to)) throw new GraphError(`Cast: unknown dtype '${to}'`);
    return [{ dtype: to, shape: inputs[0]!.shape }];
  },
});
