// Shape inference for data-movement ops (Reshape, Transpose, Slice, Concat, Gather, Scatter...). Shape vectors
// must be known at build time (constants or derived from Shape) so that every tensor's shape stays provable.

import { type Dim, dimAdd, dimDiv, dimEq, dimProduct, dimSub, fmtShape, type Shape } from '../dims';
import type { Value } from '../ir';
import {
  defineOp,
  expectDType,
  expectInputs,
  expectSameDType,
  GraphError,
  intAttr,
  intsAttr,
  normAxis,
  type OutInfo,
} from '../registry';

/** Large slice ends mean "to the end", as in ONNX (INT64_MAX written as a double). */
export const SLICE_END = Number.MAX_SAFE_INTEGER;

function knownVector(v: Value, what: string): readonly Dim[] {
  expectDType(v, ['int64'], what);
  if (!v.known || v.rank !== 1) {
    throw new GraphError(`${what} must be a 1-D int64 vector known at build time (a constant or from Shape)`);
  }
  return v.known;
}

defineOp('Shape', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const start = attrs['start'] === undefined ? 0 : normAxis(intAttr(attrs, 'start'), x.rank);
    const end = attrs['end'] === undefined ? x.rank : Math.min(x.rank, intAttr(attrs, 'end'));
    const dims = x.shape.slice(start, end);
    return [{ dtype: 'int64', shape: [dims.length], known: dims }];
  },
});

defineOp('Reshape', {
  infer: (inputs) => {
    expectInputs(inputs, 2);
    const [x, target] = inputs as [Value, Value];
    const spec = knownVector(target, 'Reshape shape');
    const out: (Dim | undefined)[] = spec.map((d, i) => (d === 0 ? x.shape[i] : d === -1 ? undefined : d));
    const holes = out.filter((d) => d === undefined).length;
    if (holes > 1) throw new GraphError('Reshape shape has more than one -1');
    const total = dimProduct(x.shape);
    if (holes === 1) {
      const rest = dimProduct(out.filter((d): d is Dim => d !== undefined));
      const hole = dimDiv(total, rest);
      if (hole === undefined) throw new GraphError(`cannot infer -1: ${total} is not a multiple of ${rest}`);
      out[out.indexOf(undefined)] = hole;
    }
    const shape = out as Dim[];
    if (!dimEq(dimProduct(shape), total)) {
      throw new GraphError(`cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    }
    return [{ dtype: x.dtype, shape }];
  },
});

defineOp('Transpose', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const perm = intsAttr(attrs, 'perm', [...x.shape.keys()].reverse());
    if (perm.length !== x.rank || new Set(perm).size !== x.rank) {
      throw new GraphError(`perm ${fmtShape(perm)} is not a permutation of rank ${x.rank}`);
    }
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[normAxis(p, x.rank)]!) }];
  },
});

defineOp('Squeeze', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const axes = intsAttr(attrs, 'axes').map((a) => normAxis(a, x.rank));
    for (const a of axes)
      if (x.shape[a] !== 1) throw new GraphError(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    const info: OutInfo = { dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) };
    return [x.known ? { ...info, known: x.known } : info];
  },
});

defineOp('Unsqueeze', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const rank = x.rank + intsAttr(attrs, 'axes').length;
    const axes = intsAttr(attrs, 'axes').map((a) => normAxis(a, rank));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[j++]!);
    const info: OutInfo = { dtype: x.dtype, shape };
    return [x.known ? { ...info, known: x.known } : info];
  },
});

defineOp('Expand', {
  infer: (inputs) => {
    expectInputs(inputs, 2);
    const [x, target] = inputs as [Value, Value];
    const spec = knownVector(target, 'Expand shape');
    const rank = Math.max(spec.length, x.rank);
    const shape: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      const a = x.shape[x.rank - rank + i] ?? 1;
      const b = spec[spec.length - rank + i] ?? 1;
      if (a !== 1 && b !== 1 && !dimEq(a, b))
        throw new GraphError(`cannot expand ${fmtShape(x.shape)} to ${fmtShape(spec)}`);
      shape.push(a === 1 ? b : a);
    }
    return [{ dtype: x.dtype, shape }];
  },
});

defineOp('Concat', {
  infer: (inputs, attrs) => {
    if (inputs.length === 0) throw new GraphError('Concat needs inputs');
    const dtype = expectSameDType(inputs);
    const first = inputs[0]!;
    const axis = normAxis(intAttr(attrs, 'axis'), first.rank);
    let size: Dim = 0;
    for (const v of inputs) {
      if (v.rank !== first.rank) throw new GraphError('Concat inputs differ in rank');
      v.shape.forEach((d, i) => {
        if (i !== axis && !dimEq(d, first.shape[i]!))
          throw new GraphError(`Concat inputs differ on axis ${i}`);
      });
      size = dimAdd(size, v.shape[axis]!);
    }
    const shape = first.shape.map((d, i) => (i === axis ? size : d));
    const known =
      first.rank === 1 && inputs.every((v) => v.known) ? inputs.flatMap((v) => v.known!) : undefined;
    return [known ? { dtype, shape, known } : { dtype, shape }];
  },
});

defineOp('Split', {
  // `split` gives static sizes; `parts` cuts the axis into that many equal pieces, which a symbolic axis allows
  // when its polynomial divides ('2*Tb' into two 'Tb'; 'T' not at all, since nothing proves T even).
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const axis = normAxis(intAttr(attrs, 'axis', 0), x.rank);
    const dim = x.shape[axis]!;
    const withSize = (s: Dim) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) });
    if (attrs['parts'] !== undefined) {
      const parts = intAttr(attrs, 'parts');
      const size = parts >= 1 ? dimDiv(dim, parts) : undefined;
      if (size === undefined) {
        throw new GraphError(`cannot split axis ${axis} of length ${dim} into ${parts} equal parts`);
      }
      return Array.from({ length: parts }, () => withSize(size));
    }
    const sizes = intsAttr(attrs, 'split');
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (!dimEq(dim, sum)) throw new GraphError(`split sizes ${fmtShape(sizes)} do not add up to ${dim}`);
    return sizes.map(withSize);
  },
});

/** Length of x[start:end] on a dim that may be symbolic; symbolic dims are assumed long enough for the slice. */
export function sliceLength(dim: Dim, start: number, end: number): Dim {
  if (typeof dim === 'number') {
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + dim : i, 0), dim);
    return Math.max(0, clamp(end) - clamp(start));
  }
  const s = start < 0 ? dimSub(dim, -start) : start;
  const e = end >= SLICE_END / 2 ? dim : end < 0 ? dimSub(dim, -end) : end;
  const len = dimSub(e, s);
  if (typeof len === 'number' && len < 0) throw new GraphError(`empty slice [${start}:${end}] of ${dim}`);
  return len;
}

defineOp('Slice', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const x = inputs[0]!;
    const starts = intsAttr(attrs, 'starts');
    const ends = intsAttr(attrs, 'ends');
    const axes = intsAttr(attrs, 'axes', [...starts.keys()]).map((a) => normAxis(a, x.rank));
    if (starts.length !== ends.length || axes.length !== starts.length) {
      throw new GraphError('Slice starts, ends and axes differ in length');
    }
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      shape[a] = sliceLength(x.shape[a]!, starts[i]!, ends[i]!);
    });
    return [{ dtype: x.dtype, shape }];
  },
});

defineOp('Gather', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 2);
    const [data, idx] = inputs as [Value, Value];
    expectDType(idx, ['int64'], 'Gather indices');
    const axis = normAxis(intAttr(attrs, 'axis', 0), data.rank);
    const shape = [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)];
    const known =
      data.known && idx.known && data.rank === 1
        ? idx.known.map((i) => {
            const k = data.known![typeof i === 'number' && i < 0 ? i + data.known!.length : Number(i)];
            if (k === undefined) throw new GraphError(`Gather index ${i} out of range`);
            return k;
          })
        : undefined;
    return [known ? { dtype: data.dtype, shape, known } : { dtype: data.dtype, shape }];
  },
});

defineOp('GatherElements', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 2);
    const [data, idx] = inputs as [Value, Value];
    expectDType(idx, ['int64'], 'GatherElements indices');
    if (idx.rank !== data.rank) throw new GraphError('GatherElements indices must have the rank of data');
    normAxis(intAttr(attrs, 'axis', 0), data.rank);
    return [{ dtype: data.dtype, shape: idx.shape }];
  },
});

function checkScatter(inputs: readonly Value[]): OutInfo[] {
  expectInputs(inputs, 3);
  const [data, idx, updates] = inputs as [Value, Value, Value];
  expectDType(idx, ['int64'], 'scatter indices');
  expectSameDType([data, updates]);
  return [{ dtype: data.dtype, shape: data.shape }];
}

defineOp('ScatterND', {
  infer: (inputs) => {
    const out = checkScatter(inputs);
    const [data, idx, updates] = inputs as [Value, Value, Value];
    const k = idx.shape[idx.rank - 1];
    if (typeof k !== 'number') throw new GraphError('ScatterND index depth must be static');
    const expected: Shape = [...idx.shape.slice(0, -1), ...data.shape.slice(k)];
    if (expected.length !== updates.rank || !expected.every((d, i) => dimEq(d, updates.shape[i]!))) {
      throw new GraphError(`ScatterND updates must have shape ${fmtShape(expected)}`);
    }
    return out;
  },
});

defineOp('ScatterElements', { infer: (inputs) => checkScatter(inputs) });

defineOp('ConstantOfShape', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 1);
    const value = attrs['value'];
    if (typeof value !== 'object' || Array.isArray(value) || !('dtype' in value)) {
      throw new GraphError('ConstantOfShape needs a one-element tensor `value`');
    }
    return [{ dtype: value.dtype, shape: knownVector(inputs[0]!, 'ConstantOfShape shape') }];
  },
});

defineOp('Range', {
  infer: (inputs) => {
    expectInputs(inputs, 3);
    const dtype = expectSameDType(inputs);
    const [start, limit, delta] = inputs.map((v) => (v.rank === 0 && v.known ? v.known[0] : undefined));
    if (start === undefined || limit === undefined || delta !== 1) {
      throw new GraphError('Range needs build-time-known scalar start and limit and a delta of 1');
    }
    return [{ dtype, shape: [dimSub(limit, start)] }];
  },
});

defineOp('Pad', {
  infer: (inputs, attrs) => {
    expectInputs(inputs, 2);
    const [x, pads] = inputs as [Value, Value];
    if ((attrs['mode'] ?? 'constant') !== 'constant') throw new GraphError('only constant Pad is supported');
    const p = knownVector(pads, 'Pad pads');
    if (p.length !== 2 * x.rank) throw new GraphError(`Pad needs ${2 * x.rank} pads, got ${p.length}`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => dimAdd(dimAdd(d, p[i]!), p[i + x.rank]!)) }];
  },
});

defineOp('Size', {
  infer: (inputs) => {
    expectInputs(inputs, 1);
    return [{ dtype: 'int64', shape: [], known: [dimProduct(inputs[0]!.shape)] }];
  },
});
