// The op table: every op the IR accepts is declared here with its shape/dtype inference, so a wrong shape is
// a build-time error naming the node, never an onnxruntime failure deep inside a 2,000-node training graph.

import type { Dim, Shape } from './dims';
import type { Attrs, AttrValue, DType, Graph, Value } from './ir';

/** What inference says about one output: `known` carries small constant values (shape vectors, axes). */
export interface OutInfo {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly known?: readonly Dim[];
}

export type InferFn = (inputs: readonly Value[], attrs: Attrs) => OutInfo[];

/**
 * Composite ops (LayerNorm, GELU, the chunked LM head) live in the IR as single nodes so autodiff can use a
 * hand-derived gradient; `lower` expands them into standard ONNX ops just before emission.
 */
export type LowerFn = (g: Graph, inputs: readonly Value[], attrs: Attrs) => Value[];

export interface OpDef {
  readonly infer: InferFn;
  readonly lower?: LowerFn;
}

/** A mistake in graph construction: the message names the node and its input shapes. */
export class GraphError extends Error {
  override readonly name = 'GraphError';
}

const defs = new Map<string, OpDef>();

export function defineOp(op: string, def: OpDef): void {
  if (defs.has(op)) throw new GraphError(`op ${op} is defined twice`);
  defs.set(op, def);
}

export function opDef(op: string): OpDef {
  const def = defs.get(op);
  if (!def) throw new GraphError(`op ${op} is not supported by the graph IR (no shape inference declared)`);
  return def;
}

// Small attribute readers that fail with the attribute's name instead of a silent undefined.
export function intAttr(attrs: Attrs, name: string, fallback?: number): number {
  const v: AttrValue | undefined = attrs[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new GraphError(`attribute '${name}' must be an integer`);
  return v;
}

export function floatAttr(attrs: Attrs, name: string, fallback?: number): number {
  const v: AttrValue | undefined = attrs[name] ?? fallback;
  if (typeof v !== 'number') throw new GraphError(`attribute '${name}' must be a number`);
  return v;
}

export function intsAttr(attrs: Attrs, name: string, fallback?: readonly number[]): readonly number[] {
  const v: AttrValue | undefined = attrs[name] ?? fallback;
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
    throw new GraphError(`attribute '${name}' must be a list of integers`);
  }
  return v as readonly number[];
}

export function stringAttr(attrs: Attrs, name: string, fallback?: string): string {
  const v: AttrValue | undefined = attrs[name] ?? fallback;
  if (typeof v !== 'string') throw new GraphError(`attribute '${name}' must be a string`);
  return v;
}

/** Resolves a possibly negative axis against a rank, failing clearly when out of range. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new GraphError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function expectDType(v: Value, allowed: readonly DType[], what: string): void {
  if (!allowed.includes(v.dtype)) {
    throw new GraphError(`${what} must be ${allowed.join(' or ')}, got ${v.dtype} (${v.name})`);
  }
}

export function expectSameDType(values: readonly Value[]): DType {
  const first = values[0];
  if (!first) throw new GraphError('expected at least one input');
  for (const v of values) {
    if (v.dtype !== first.dtype) {
      throw new GraphError(
        `inputs must share a dtype: ${values.map((x) => `${x.name}:${x.dtype}`).join(', ')}`,
      );
    }
  }
  return first.dtype;
}

export function expectInputs(inputs: readonly Value[], min: number, max = min): void {
  if (inputs.length < min || inputs.length > max) {
    throw new GraphError(`expected ${min === max ? min : `${min}..${max}`} inputs, got ${inputs.length}`);
  }
}

export const FLOAT_TYPES: readonly DType[] = ['float32', 'float64'];
