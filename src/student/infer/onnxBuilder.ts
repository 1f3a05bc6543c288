/**
 * Design goal: write ONNX model bytes straight from named values — any operator domain (com.microsoft's fused
 * kernels included), raw initializers of any element type (uint8 packed weights, int32 scalars) — for graphs
 * that are a fixed recipe rather than something to differentiate. The training IR (src/student/graph) keeps its
 * own emitter; this one has no shape inference and no autodiff, and is small on purpose.
 */
import { ATTR_TYPE, ModelProto } from '../graph/onnxSchema';

export type ElemType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool';
export type Dim = number | string;

/** TensorProto.DataType. */
const ELEM: Record<ElemType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };

/** A float attribute (plain numbers are written as integers). */
export interface FloatAttr {
  readonly float: number;
}
export type Attr = number | string | readonly number[] | FloatAttr;

export const float = (value: number): FloatAttr => ({ float: value });

interface TensorMsg {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
}

/** Model bytes whose large initializers stay outside them, for onnxruntime-node's `externalData` option. */
export interface ModelWithExternalData {
  readonly bytes: Uint8Array;
  /** One entry per large initializer: a name the model refers to, and a view of the caller's data (no copy). */
  readonly externalData: { path: string; data: Uint8Array }[];
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function attrMsg(name: string, value: Attr): object {
  if (typeof value === 'number') return { name, type: ATTR_TYPE.INT, i: value };
  if (typeof value === 'string') return { name, type: ATTR_TYPE.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: ATTR_TYPE.INTS, ints: [...value] };
  return { name, type: ATTR_TYPE.FLOAT, f: (value as FloatAttr).float };
}

function valueInfo(name: string, type: ElemType, dims: readonly Dim[]) {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ELEM[type], shape: { dim } } } };
}

export class OnnxBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: TensorMsg[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private counter = 0;

  constructor(readonly graphName: string) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`OnnxBuilder: name '${name}' is already used`);
    this.names.add(name);
    return name;
  }

  private fresh(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${this.counter++}`;
    return name;
  }

  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares `name` (a value some node produced) a graph output. */
  output(name: string, type: ElemType, dims: readonly Dim[]): void {
    if (!this.names.has(name)) throw new Error(`OnnxBuilder: output '${name}' is produced by no node`);
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A constant tensor stored in the model; `data` is referenced, not copied, until the bytes are written. */
  initializer(name: string, type: ElemType, dims: readonly number[], data: ArrayBufferView): string {
    this.initializers.push({
      name: this.claim(name),
      dims: [...dims],
      dataType: ELEM[type],
      rawData: bytesOf(data),
    });
    return name;
  }

  /** A small int64 constant, shared between identical uses. */
  int64(values: number | readonly number[]): string {
    return this.smallConstant('int64', values, (list) => BigInt64Array.from(list, (v) => BigInt(v)));
  }

  int32(values: number | readonly number[]): string {
    return this.smallConstant('int32', values, (list) => Int32Array.from(list));
  }

  float32(values: number | readonly number[]): string {
    return this.smallConstant('float32', values, (list) => Float32Array.from(list));
  }

  private smallConstant(
    type: ElemType,
    values: number | readonly number[],
    make: (list: readonly number[]) => ArrayBufferView,
  ): string {
    const list = typeof values === 'number' ? [values] : values;
    const dims = typeof values === 'number' ? [] : [list.length];
    const key = `${type}|${dims.length}|${list.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.initializer(this.fresh(`const_${type}`), type, dims, make(list));
    this.constants.set(key, name);
    return name;
  }

  /**
   * Adds a node; returns its output names. `''` in `inputs` skips an optional input. `outputs` is a count of
   * fresh names, or the names to give them (for graph outputs).
   */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, Attr>> = {},
    options: { domain?: string; outputs?: number | readonly string[]; name?: string } = {},
  ): string[] {
    const base = this.fresh(options.name ?? opType);
    const wanted = options.outputs ?? 1;
    const outputs =
      typeof wanted === 'number'
        ? Array.from({ length: wanted }, (_, i) => this.claim(this.fresh(`${base}/out${i}`)))
        : wanted.map((n) => (n === '' ? '' : this.claim(n)));
    for (const input of inputs) {
      if (input !== '' && !this.names.has(input)) {
        throw new Error(`OnnxBuilder: ${opType} reads '${input}', which nothing produces`);
      }
    }
    this.names.add(base);
    this.nodes.push({
      name: base,
      opType,
      domain: options.domain ?? '',
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attrMsg(k, v)),
    });
    return outputs;
  }

  /** A node with one output. */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Readonly<Record<string, Attr>> = {},
    options: { domain?: string; output?: string; name?: string } = {},
  ): string {
    const { output, ...rest } = options;
    return this.node(opType, inputs, attrs, { ...rest, outputs: output ? [output] : 1 })[0]!;
  }

  /** Node types in order, for tests and reports. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** ModelProto bytes. `opsets` maps each domain used to its version ('' is the default domain). */
  toBytes(opsets: Readonly<Record<string, number>>, docString = ''): Uint8Array {
    return this.encode(opsets, docString, this.initializers);
  }

  /**
   * The model with every initializer of at least `minBytes` left out of its bytes and handed over as external
   * data instead: encoding (and onnxruntime's parsing) then never copies the weights through a protobuf buffer —
   * for a 124M-parameter model, seconds and half a gigabyte less at load. Only for sessions created in memory.
   */
  toExternal(opsets: Readonly<Record<string, number>>, minBytes = 4096): ModelWithExternalData {
    const externalData: { path: string; data: Uint8Array }[] = [];
    const initializers = this.initializers.map((t) => {
      if (!t.rawData || t.rawData.byteLength < minBytes) return t;
      const path = `w${externalData.length}.bin`;
      externalData.push({ path, data: t.rawData });
      const entry = (key: string, value: string) => ({ key, value });
      return {
        name: t.name,
        dims: t.dims,
        dataType: t.dataType,
        dataLocation: 1,
        externalData: [
          entry('location', path),
          entry('offset', '0'),
          entry('length', String(t.rawData.byteLength)),
        ],
      };
    });
    return { bytes: this.encode(opsets, '', initializers), externalData };
  }

  private encode(
    opsets: Readonly<Record<string, number>>,
    docString: string,
    initializer: TensorMsg[],
  ): Uint8Array {
    const model = {
      // IR version 8 (ONNX 1.13): every onnxruntime since 1.14 reads it.
      irVersion: 8,
      producerName: 'miniastrolm',
      producerVersion: '0.1.0',
      docString,
      opsetImport: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return ModelProto.encode(model as never).finish();
  }
}
