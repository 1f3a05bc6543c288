// Un-broadcasting: a gradient that arrives with the broadcast output's shape is summed back to the shape of
// the input that was broadcast (leading axes it lacked, and axes where it had size 1).

import { dimEq, fmtShape, type Shape } from '../dims';
import type { Value } from '../ir';
import { reduceSum, squeeze } from '../ops';
import { GraphError } from '../registry';

export function sumToShape(d: Value, shape: Shape): Value {
  const lead = d.rank - shape.length;
  if (lead < 0)
    throw new GraphError(`cannot sum ${fmtShape(d.shape)} to the larger rank of ${fmtShape(shape)}`);
  const axes: number[] = [];
  for (let i = 0; i < d.rank; i++) {
    if (i < lead) {
      axes.push(i);
      continue;
    }
    const target = shape[i - lead]!;
    const have = d.shape[i]!;
    if (target === 1 && have !== 1) axes.push(i);
    else if (!dimEq(target, have)) {
      throw new GraphError(
        `cannot sum ${fmtShape(d.shape)} to ${fmtShape(shape)} (axis ${i}: ${have} vs ${target})`,
      );
    }
  }
  if (axes.length === 0) return d;
  const summed = reduceSum(d, axes, true);
  return lead > 0 ? squeeze(summed, axes.slice(0, lead)) : summed;
}
