// The graph IR: typed tensors with symbolic shapes and ONNX-op nodes, built append-only so node order is
// always a valid topological order (autodiff walks it backwards; the emitter writes it as is).

import { type Dim, DimError, fmtShape, normDim, type Shape } from './dims';
import './infer';
import { GraphError, type OutInfo, opDef } from './registry';

export type DType = 'float32' | 'float64' | 'int64' | 'bool';
export type TensorData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

/** Constant tensor contents (initializers, ConstantOfShape values). Bool data is one byte per element. */
export interface ConstTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/**
 * Attribute values stay plain: integers and floats are told apart by attribute name in the emitter (ONNX
 * names its float attributes alpha/beta/epsilon...), Cast's `to` is a DType, and a few IR-only attributes
 * (Reduce* axes, Slice starts/ends, Split sizes) become inputs when the target opset wants them so.
 */
export type AttrValue = number | string | readonly number[] | ConstTensor;
export type Attrs = Readonly<Record<string, AttrValue>>;

export class Value {
  constructor(
    readonly graph: Graph,
    /** Unique within the graph; graph inputs and outputs keep the names callers gave them. */
    public name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly producer: Node | undefined,
    /** Element values when known at build time (small constants, shape vectors); symbolic dims allowed. */
    readonly known: readonly Dim[] | undefined,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}:${this.dtype}${fmtShape(this.shape)}`;
  }
}

export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attrs: Attrs;
  /** Scope path at creation ('h.0/attn'), for error messages and readable node names. */
  readonly scope: string;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function allocData(dtype: DType, values: readonly number[]): TensorData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(v));
    case 'bool':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}

/** Constants with at most this many elements carry their values in `Value.known`. */
const KNOWN_LIMIT = 64;

export class Graph {
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly nodes: Node[] = [];
  readonly initializers = new Map<Value, ConstTensor>();
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, Value>();
  private readonly scopes: string[] = [];
  private counter = 0;

  constructor(readonly name = 'graph') {}

  /** A graph input. Shapes may use symbols ('B', 'T') that the emitter writes as dim_param. */
  input(name: string, dtype: DType, shape: Shape): Value {
    const v = new Value(this, this.claim(name), dtype, shape.map(normDim), undefined, undefined);
    this.inputs.push(v);
    return v;
  }

  /** A named constant tensor stored in the model. */
  initializer(name: string, tensor: ConstTensor): Value {
    if (tensor.data.length !== elementCount(tensor.shape)) {
      throw new GraphError(
        `initializer ${name}: ${tensor.data.length} values for shape ${fmtShape(tensor.shape)}`,
      );
    }
    const known =
      tensor.shape.length <= 1 && tensor.data.length <= KNOWN_LIMIT
        ? Array.from(tensor.data as ArrayLike<number | bigint>, (x) => Number(x))
        : undefined;
    const v = new Value(this, this.claim(name), tensor.dtype, tensor.shape, undefined, known);
    this.initializers.set(v, tensor);
    return v;
  }

  /** A small constant (scalar when `shape` is omitted and one value is given); identical ones are shared. */
  constant(dtype: DType, values: number | readonly number[], shape?: readonly number[]): Value {
    const list = typeof values === 'number' ? [values] : values;
    const dims = shape ?? (typeof values === 'number' ? [] : [list.length]);
    const key = `${dtype}|${dims.join(',')}|${list.join(',')}`;
    const cached = list.length <= KNOWN_LIMIT ? this.constCache.get(key) : undefined;
    if (cached) return cached;
    const v = this.initializer(this.fresh('const'), { dtype, shape: dims, data: allocData(dtype, list) });
    if (list.length <= KNOWN_LIMIT) this.constCache.set(key, v);
    return v;
  }

  /** Adds a node with one output and returns it. */
  op(op: string, inputs: readonly Value[], attrs: Attrs = {}): Value {
    const outs = this.opMulti(op, inputs, attrs);
    if (outs.length !== 1) throw new GraphError(`${op} has ${outs.length} outputs; use opMulti`);
    return outs[0]!;
  }

  /** Adds a node and returns all its outputs, with shapes and dtypes from the op's inference. */
  opMulti(op: string, inputs: readonly Value[], attrs: Attrs = {}): Value[] {
    for (const v of inputs) {
      if (v.graph !== this) throw new GraphError(`${op}: input ${v.name} belongs to another graph`);
    }
    let infos: OutInfo[];
    try {
      infos = opDef(op).infer(inputs, attrs);
    } catch (e) {
      if (!(e instanceof GraphError || e instanceof DimError)) throw e;
      const where = this.scopes.length > 0 ? ` in ${this.scopes.join('/')}` : '';
      throw new GraphError(`${op}${where} with inputs (${inputs.join(', ')}): ${e.message}`, { cause: e });
    }
    const id = this.counter++;
    const scope = this.scopes.join('/');
    const outputs: Value[] = [];
    const node: Node = { id, op, inputs: [...inputs], outputs, attrs, scope };
    infos.forEach((info, i) => {
      const base = `${scope ? `${scope}/` : ''}${op}_${id}${infos.length > 1 ? `_${i}` : ''}`;
      outputs.push(
        new Value(this, this.claim(this.fresh(base)), info.dtype, info.shape.map(normDim), node, info.known),
      );
    });
    this.nodes.push(node);
    return outputs;
  }

  /** Marks a value as a graph output under `name` (renaming it, or through an Identity when it must keep its own). */
  output(value: Value, name: string): Value {
    if (value.graph !== this) throw new GraphError(`output ${name}: value belongs to another graph`);
    let v = value;
    const renamable = v.producer !== undefined && !this.outputs.includes(v);
    if (!renamable) v = this.op('Identity', [v]);
    this.names.delete(v.name);
    v.name = this.claim(name);
    this.outputs.push(v);
    return v;
  }

  /** Runs `build` with node names prefixed by `name` (e.g. 'h.3/mlp'), so errors and profiles point somewhere. */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /** An unused name starting with `base` (auto names step aside for names callers chose). */
  fresh(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${this.counter++}`;
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new GraphError(`name '${name}' is already used in graph ${this.name}`);
    this.names.add(name);
    return name;
  }
}
