// Gradients of ops that only move data: each is the inverse movement applied to the incoming gradient.

import { isStatic } from '../dims';
import type { Value } from '../ir';
import { reshape, shapeOf, squeeze, transpose, unsqueeze } from '../ops';
import { intsAttr, normAxis } from '../registry';
import { sumToShape } from './broadcast';
import { defineGrad } from './rule';

/** x's shape as a reshape target: a constant when static, else Shape(x) (whose symbolic value is tracked). */
function shapeVectorOf(x: Value): Value | readonly number[] {
  return isStatic(x.shape) ? x.shape : shapeOf(x);
}

defineGrad('Reshape', ({ inputs: [x], dy: [d] }) => [reshape(d!, shapeVectorOf(x!)), undefined]);

defineGrad('Transpose', ({ node, inputs: [x], dy: [d] }) => {
  const perm = intsAttr(node.attrs, 'perm', [...x!.shape.keys()].reverse());
  const inverse: number[] = [];
  perm.forEach((p, i) => {
    inverse[normAxis(p, x!.rank)] = i;
  });
  return [transpose(d!, inverse)];
});

defineGrad('Squeeze', ({ node, inputs: [x], dy: [d] }) => [
  unsqueeze(
    d!,
    intsAttr(node.attrs, 'axes').map((a) => normAxis(a, x!.rank)),
  ),
]);

defineGrad('Unsqueeze', ({ node, outputs: [y], dy: [d] }) => [
  squeeze(
    d!,
    intsAttr(node.attrs, 'axes').map((a) => normAxis(a, y!.rank)),
  ),
]);

defineGrad('Expand', ({ inputs: [x], dy: [d] }) => [sumToShape(d!, x!.shape), undefined]);
