// Attention's masked softmax as one IR node: softmax over the last axis of scores where `mask` (bool, broadcast
// against the scores) is true, masked entries at the dtype's lowest finite value (not -1e9, which overflows
// fp16), as HF does. Its backward is softmax's alone, dx = y (d - Σ d·y): y is exactly 0 wherever the mask is
// false, so the Where's own gradient (another pass over [B, H, T, S] per layer) would only multiply zeros.

import { broadcastShapes, dimEq, fmtShape } from '../dims';
import type { Value } from '../ir';
import { like, lowest, mul, reduceSum, softmax, sub, where } from '../ops';
import { defineOp, expectDType, expectInputs, FLOAT_TYPES, GraphError } from '../registry';
import { defineGrad } from '../rules/rule';

defineOp('MaskedSoftmax', {
  infer: (inputs) => {
    expectInputs(inputs, 2);
    const [scores, mask] = inputs as [Value, Value];
    expectDType(scores, FLOAT_TYPES, 'MaskedSoftmax scores');
    if (mask.dtype !== 'bool') throw new GraphError(`MaskedSoftmax mask must be bool, got ${mask.dtype}`);
    const shape = broadcastShapes([scores.shape, mask.shape]);
    if (shape.length !== scores.rank || shape.some((d, i) => !dimEq(d, scores.shape[i]!))) {
      throw new GraphError(
        `MaskedSoftmax mask ${fmtShape(mask.shape)} does not broadcast to ${fmtShape(scores.shape)}`,
      );
    }
    return [{ dtype: scores.dtype, shape: scores.shape }];
  },
  lower: (_g, [scores, mask]) => [softmax(where(mask!, scores!, like(scores!, lowest(scores!.dtype))), -1)],
});

defineGrad('MaskedSoftmax', ({ outputs: [y], dy: [d] }) => [
  mul(y!, sub(d!, reduceSum(mul(d!, y!), [-1], true))),
  undefined,
]);

/** softmax(where(mask, scores, lowest)) over the last axis. */
export function maskedSoftmax(scores: Value, mask: Value): Value {
  return scores.graph.op('MaskedSoftmax', [scores, mask]);
}
