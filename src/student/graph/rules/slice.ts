// Gradients of Slice, Split and Concat. Slice pads the gradient back with zeros (pads computed from the
// input's runtime shape when the sliced axis is symbolic); Split concatenates; Concat splits (into equal parts
// when the sizes are symbolic).

import { type Dim, dimEq } from '../dims';
import { SLICE_END } from '../infer/tensor';
import type { Value } from '../ir';
import { concat, shapeOf, split, splitEqual } from '../ops';
import { GraphError, intAttr, intsAttr, normAxis } from '../registry';
import { defineGrad, dyOrZeros } from './rule';

/** A pad: a number, or "axis length minus k" when the axis is symbolic. */
type Pad = number | { readonly lengthMinus: number };

/** Zeros before and after x[start:end] on an axis of length `dim`. */
function padsFor(dim: Dim, start: number, end: number): [Pad, Pad] {
  if (typeof dim === 'number') {
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + dim : i, 0), dim);
    const s = clamp(start);
    return [s, dim - Math.max(s, clamp(end))];
  }
  // Symbolic axes are assumed long enough for the slice (as sliceLength assumes for the forward shape).
  const before: Pad = start < 0 ? { lengthMinus: -start } : start;
  const after: Pad = end >= SLICE_END / 2 ? 0 : end < 0 ? -end : { lengthMinus: end };
  return [before, after];
}

defineGrad('Slice', ({ node, inputs: [x], dy: [d] }) => {
  const X = x!;
  const g = X.graph;
  if (node.attrs['steps'] !== undefined) throw new GraphError('Slice gradient supports unit steps only');
  const starts = intsAttr(node.attrs, 'starts');
  const ends = intsAttr(node.attrs, 'ends');
  const axes = intsAttr(node.attrs, 'axes', [...starts.keys()]).map((a) => normAxis(a, X.rank));
  const before: Pad[] = X.shape.map(() => 0);
  const after: Pad[] = X.shape.map(() => 0);
  axes.forEach((a, i) => {
    [before[a], after[a]] = padsFor(X.shape[a]!, starts[i]!, ends[i]!);
  });
  // ONNX pads: all 'before' values by axis, then all 'after' values; entry i belongs to axis i % rank.
  const spec = [...before, ...after];
  const pads: Value = spec.every((p) => typeof p === 'number')
    ? g.constant('int64', spec as number[])
    : concat(
        spec.map((p, i) => {
          if (typeof p === 'number') return g.constant('int64', [p]);
          const len = g.op('Gather', [shapeOf(X), g.constant('int64', [i % X.rank])]);
          return g.op('Sub', [len, g.constant('int64', [p.lengthMinus])]);
        }),
        0,
      );
  return [g.op('Pad', [d!, pads], { mode: 'constant' })];
});

defineGrad('Split', (ctx) => {
  const axis = intAttr(ctx.node.attrs, 'axis', 0);
  return [
    concat(
      ctx.outputs.map((_, i) => dyOrZeros(ctx, i)),
      axis,
    ),
  ];
});

defineGrad('Concat', ({ node, inputs, dy: [d], needs }) => {
  const axis = normAxis(intAttr(node.attrs, 'axis'), inputs[0]!.rank);
  const sizes = inputs.map((v) => v.shape[axis]!);
  const parts = (() => {
    if (inputs.length === 1) return [d!];
    if (sizes.every((s): s is number => typeof s === 'number')) return split(d!, axis, sizes);
    if (sizes.every((s) => dimEq(s, sizes[0]!))) return splitEqual(d!, axis, sizes.length);
    throw new GraphError('Concat gradient needs static or equal sizes on the concatenated axis');
  })();
  return parts.map((p, i) => (needs[i] ? p : undefined));
});
