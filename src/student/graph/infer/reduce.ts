// Shape inference for Reduce* ops. In the IR `axes` is always an attribute (absent = all axes); the emitter
// turns it into an input where the opset asks for one (ReduceSum from 13, the others from 18).

import { defineOp, expectDType, expectInputs, FLOAT_TYPES, intAttr, intsAttr, normAxis } from '../registry';

export const REDUCE_OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSumSquare'] as const;

for (const op of REDUCE_OPS) {
  defineOp(op, {
    infer: (inputs, attrs) => {
      expectInputs(inputs, 1);
      const x = inputs[0]!;
      if (op !== 'ReduceSum' && op !== 'ReduceMax' && op !== 'ReduceMin')
        expectDType(x, FLOAT_TYPES, `${op} input`);
      const axes = intsAttr(attrs, 'axes', [...x.shape.keys()]).map((a) => normAxis(a, x.rank));
      const keep = intAttr(attrs, 'keepdims', 1) === 1;
      const shape = keep
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      return [{ dtype: x.dtype, shape }];
    },
  });
}
