// Lowering: replays a graph into a fresh one, expanding composite nodes (LayerNorm, GELU, chunked LM head)
// into standard ONNX ops. Autodiff sees composites whole; ONNX Runtime only ever sees standard ops.

import { Graph, type Value } from './ir';
import { GraphError, opDef } from './registry';

export function hasComposites(g: Graph): boolean {
  return g.nodes.some((n) => opDef(n.op).lower !== undefined);
}

/** A graph with the same inputs, initializers and outputs (same names), composites expanded recursively. */
export function lower(g: Graph): Graph {
  if (!hasComposites(g)) return g;
  const out = new Graph(g.name);
  const map = new Map<Value, Value>();
  const get = (v: Value): Value => {
    const m = map.get(v);
    if (!m) throw new GraphError(`lowering: ${v.name} used before it is defined`);
    return m;
  };
  for (const v of g.inputs) map.set(v, out.input(v.name, v.dtype, v.shape));
  for (const [v, t] of g.initializers) map.set(v, out.initializer(v.name, t));
  for (const node of g.nodes) {
    const inputs = node.inputs.map(get);
    const expand = opDef(node.op).lower;
    const outs = out.scope(node.scope || node.op, () =>
      expand ? expand(out, inputs, node.attrs) : out.opMulti(node.op, inputs, node.attrs),
    );
    node.outputs.forEach((o, i) => {
      const m = outs[i];
      if (!m) throw new GraphError(`lowering ${node.op}: missing output ${i}`);
      map.set(o, m);
    });
  }
  for (const v of g.outputs) out.output(get(v), v.name);
  return lower(out);
}
