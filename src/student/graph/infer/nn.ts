// Shape inference for the compute ops: MatMul (batched, numpy broadcasting of batch dims), Gemm, Softmax.

import { broadcastShapes, dimEq, fmtShape } from '../dims';
import type { Value } from '../ir';
import {
  defineOp,
  expectDType,
  expectInputs,
  expectSameDType,
  FLOAT_TYPES,
  GraphError,
  intAttr,
  normAxis,
} from '../registry';

defineOp('MatMul', {
  infer: (inputs) => {
    expectInputs(inputs, 2);
    const [a, b] = inputs as [Value, Value];
    const dtype = expectSameDType(inputs);
    expectDType(a, FLOAT_TYPES, 'MatMul input');
    // 1-D operands are legal ONNX but never needed here; refusing them keeps the gradient rule simple.
    if (a.rank < 2 || b.rank < 2) throw new GraphError('MatMul operands must have rank >= 2');
    const k1 = a.shape[a.rank - 1]!;
    const k2 = b.shape[b.rank - 2]!;
    if (!dimEq(k1, k2))
      throw new GraphError(`inner dims differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
    const batch = broadcastShapes([a.shape.slice(0, -2), b.shape.slice(0, -2)]);
    return [{ dtype, shape: [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!] }];
  },
});

defineOp('Gemm', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 2, 3);
    const [a, b, c] = inputs as [Value, Value, Value | undefined];
    const dtype = expectSameDType(inputs);
    expectDType(a, FLOAT_TYPES, 'Gemm input');
    if (a.rank !== 2 || b.rank !== 2) throw new GraphError('Gemm operands must be 2-D');
    const [m, k1] = intAttr(attrs, 'transA', 0) ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [k2, n] = intAttr(attrs, 'transB', 0) ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (!dimEq(k1, k2)) throw new GraphError(`Gemm inner dims differ (${k1} vs ${k2})`);
    const shape = [m, n];
    if (c) broadcastShapes([shape, c.shape]);
    return [{ dtype, shape }];
  },
});

for (const op of ['Softmax', 'LogSoftmax']) {
  defineOp(op, {
    infer: (inputs, attrs) => {
      expectInputs(inputs, 1);
      const x = inputs[0]!;
      expectDType(x, FLOAT_TYPES, `${op} input`);
      normAxis(intAttr(attrs, 'axis', -1), x.rank);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
  });
}
