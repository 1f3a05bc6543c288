// Gradients of ReduceSum and ReduceMean: broadcast the gradient back over the reduced axes (restoring them
// first when keepdims = 0); the mean also divides by the number of reduced elements.

import { dimProduct } from '../dims';
import type { Value } from '../ir';
import { cast, div, expand, shapeOf, unsqueeze } from '../ops';
import { intAttr, intsAttr, normAxis } from '../registry';
import type { GradContext } from './rule';
import { defineGrad } from './rule';

function spread({ node, inputs: [x], dy: [d] }: GradContext): Value {
  const X = x!;
  const axes = intsAttr(node.attrs, 'axes', [...X.shape.keys()]).map((a) => normAxis(a, X.rank));
  const kept = intAttr(node.attrs, 'keepdims', 1) === 1 ? d! : unsqueeze(d!, axes);
  return expand(kept, shapeOf(X));
}

defineGrad('ReduceSum', (ctx) => [spread(ctx)]);

defineGrad('ReduceMean', (ctx) => {
  const x = ctx.inputs[0]!;
  const y = ctx.outputs[0]!;
  const n = dimProduct(x.shape);
  const m = dimProduct(y.shape);
  // Element count of a reduction: static when the reduced dims are; otherwise Size(x) / Size(y) at run time.
  const count =
    typeof n === 'number' && typeof m === 'number'
      ? x.graph.constant(x.dtype, n / m)
      : div(cast(x.graph.op('Size', [x]), x.dtype), cast(x.graph.op('Size', [y]), x.dtype));
  return [div(spread(ctx), count)];
});
