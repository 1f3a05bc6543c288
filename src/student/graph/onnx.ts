// IR → ONNX ModelProto bytes. Model code never sees opset differences: the IR keeps axes/starts/split as
// attributes and this file moves them into constant inputs where the chosen opset wants inputs.

import { Buffer } from 'node:buffer';
import type { Shape } from './dims';
import type { AttrValue, ConstTensor, DType, Graph, Node, Value } from './ir';
import { lower } from './lower';
import { ATTR_TYPE, ModelProto, ONNX_DTYPE } from './onnxSchema';
import { GraphError } from './registry';

export type Opset = 17 | 18;

export interface EmitOptions {
  readonly opset?: Opset;
  readonly docString?: string;
}

/** ONNX 1.12/1.13 shipped opsets 17/18 with IR version 8, which every ORT from 1.13 accepts. */
const IR_VERSION: Record<Opset, number> = { 17: 8, 18: 8 };

/** ONNX's float attributes among the ops we emit; every other numeric attribute is an integer. */
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'gamma', 'lambd', 'bias']);

/** Reduce ops whose `axes` moved from attribute to input, with the opset that moved it. */
const AXES_INPUT_FROM: Record<string, number> = {
  ReduceSum: 13,
  Squeeze: 13,
  Unsqueeze: 13,
  ReduceMean: 18,
  ReduceMax: 18,
  ReduceMin: 18,
  ReduceSumSquare: 18,
};

interface TensorMsg {
  name?: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function tensorMsg(t: ConstTensor, name?: string): TensorMsg {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  // Raw data is little-endian, as are typed arrays on every platform Node runs on.
  const msg: TensorMsg = { dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: bytes };
  if (name !== undefined) msg.name = name;
  return msg;
}

function valueInfo(name: string, dtype: DType, shape: Shape) {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ONNX_DTYPE[dtype], shape: { dim } } } };
}

function attrMsg(name: string, value: AttrValue) {
  if (typeof value === 'number') {
    return FLOAT_ATTRS.has(name)
      ? { name, type: ATTR_TYPE.FLOAT, f: value }
      : { name, type: ATTR_TYPE.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: ATTR_TYPE.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) {
    return FLOAT_ATTRS.has(name)
      ? { name, type: ATTR_TYPE.FLOATS, floats: [...value] }
      : { name, type: ATTR_TYPE.INTS, ints: [...value] };
  }
  return { name, type: ATTR_TYPE.TENSOR, t: tensorMsg(value as ConstTensor) };
}

/** Writes one node, turning IR-only attributes into constant inputs as the opset requires. */
class NodeWriter {
  readonly nodes: object[] = [];
  readonly extraInitializers: TensorMsg[] = [];

  constructor(private readonly opset: Opset) {}

  private constInput(base: string, values: readonly number[]): string {
    const name = `${base}_${this.extraInitializers.length}`;
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.extraInitializers.push(tensorMsg({ dtype: 'int64', shape: [values.length], data }, name));
    return name;
  }

  write(node: Node): void {
    const inputs = node.inputs.map((v) => v.name);
    const attrs: Record<string, AttrValue> = { ...node.attrs };
    const base = `${node.outputs[0]!.name}`;
    const axesFrom = AXES_INPUT_FROM[node.op];
    if (axesFrom !== undefined && this.opset >= axesFrom && attrs['axes'] !== undefined) {
      inputs.push(this.constInput(`${base}/axes`, attrs['axes'] as number[]));
      delete attrs['axes'];
    }
    if (node.op === 'Split' && attrs['parts'] !== undefined) {
      // Equal parts: no 'split' input; opset 18 names the count, 17 takes it from the outputs.
      if (this.opset >= 18) attrs['num_outputs'] = attrs['parts'];
      delete attrs['parts'];
    } else if (node.op === 'Split') {
      inputs.push(this.constInput(`${base}/split`, attrs['split'] as number[]));
      delete attrs['split'];
    }
    if (node.op === 'Slice') {
      for (const key of ['starts', 'ends', 'axes']) {
        inputs.push(this.constInput(`${base}/${key}`, attrs[key] as number[]));
        delete attrs[key];
      }
    }
    if (node.op === 'Cast') attrs['to'] = ONNX_DTYPE[attrs['to'] as DType];
    this.nodes.push({
      name: `${base}/node`,
      opType: node.op,
      input: inputs,
      output: node.outputs.map((v) => v.name),
      attribute: Object.entries(attrs).map(([k, v]) => attrMsg(k, v)),
    });
  }
}

/** The nodes some graph output depends on, in graph order (builders may leave values unused, e.g. autodiff). */
function liveNodes(g: Graph): Node[] {
  const needed = new Set<Value>(g.outputs);
  const live: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const node = g.nodes[i]!;
    if (!node.outputs.some((v) => needed.has(v))) continue;
    live.push(node);
    for (const v of node.inputs) needed.add(v);
  }
  return live.reverse();
}

/** The ModelProto bytes of `graph` (composites lowered first). Loads in onnxruntime with no custom ops. */
export function toOnnx(graph: Graph, options: EmitOptions = {}): Uint8Array {
  const opset = options.opset ?? 17;
  const g = lower(graph);
  const writer = new NodeWriter(opset);
  const live = liveNodes(g);
  for (const node of live) writer.write(node);
  // Constants only dead nodes read are left out too (ORT would warn that it removed them).
  const used = new Set<Value>([...live.flatMap((n) => n.inputs), ...g.outputs]);
  const initializer = [...g.initializers].filter(([v]) => used.has(v)).map(([v, t]) => tensorMsg(t, v.name));
  const info = (v: Value) => valueInfo(v.name, v.dtype, v.shape);
  const model = {
    irVersion: IR_VERSION[opset],
    producerName: 'miniastrolm',
    producerVersion: '0.1.0',
    docString: options.docString ?? '',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: g.name,
      node: writer.nodes,
      initializer: [...initializer, ...writer.extraInitializers],
      input: g.inputs.map(info),
      output: g.outputs.map(info),
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new GraphError(`ONNX model message is malformed: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** The op types (with domains) a model's bytes contain, for checks that saved models stay plain ONNX. */
export function opTypesOf(bytes: Uint8Array): { opType: string; domain: string }[] {
  const model = ModelProto.toObject(ModelProto.decode(bytes), { defaults: true }) as {
    graph: { node: { opType: string; domain: string }[] };
  };
  return model.graph.node.map((n) => ({ opType: n.opType, domain: n.domain }));
}
