/**
 * Design goal: the training IR's own KV-cache logits graph (buildLogitsGraph) with the weights baked in as
 * initializers — plain ONNX, self-contained. The decoder no longer runs it (decoderGraph.ts, with its in-place
 * cache and fused kernels, does; exports are hfGraph.ts); it stays as an independent reference of the same
 * model for checks and experiments.
 *
 * The graph is rebuilt from buildLogitsGraph by replaying its nodes into a fresh Graph where every parameter
 * input becomes an initializer; inputs left are `input_ids` [B, T] and `past.<i>.key/value` [B, H, P, D],
 * outputs `logits` [B, V] (last position) and `present.<i>.key/value` [B, H, P+T, D].
 */
import { buildLogitsGraph, Graph, gpt2Params, toOnnx, type Value } from '../graph';
import type { Gpt2Config, Gpt2Weights } from '../model';

/** ONNX opset of exported models (ORT ≥ 1.13 loads it). */
export const INFERENCE_OPSET = 17;

/** Names of the inference graph's cache tensors for layer `i`. */
export const pastName = (i: number, kind: 'key' | 'value') => `past.${i}.${kind}`;
export const presentName = (i: number, kind: 'key' | 'value') => `present.${i}.${kind}`;

/**
 * A copy of `graph` in which each input named in `bound` is an initializer holding that tensor (no data is
 * copied: the initializers view the given arrays). Node order, scopes and output names are kept.
 */
export function bindInputs(
  graph: Graph,
  bound: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
): Graph {
  const out = new Graph(graph.name);
  const map = new Map<Value, Value>();
  for (const v of graph.inputs) {
    const tensor = bound.get(v.name);
    map.set(
      v,
      tensor
        ? out.initializer(v.name, { dtype: 'float32', shape: tensor.shape, data: tensor.data })
        : out.input(v.name, v.dtype, v.shape),
    );
  }
  for (const [v, t] of graph.initializers) map.set(v, out.initializer(v.name, t));
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((v) => map.get(v)!);
    const outs = out.scope(node.scope || node.op, () => out.opMulti(node.op, inputs, node.attrs));
    node.outputs.forEach((o, i) => {
      map.set(o, outs[i]!);
    });
  }
  for (const v of graph.outputs) out.output(map.get(v)!, v.name);
  return out;
}

/** The float32 KV-cache logits graph of `config` with `weights` as initializers. */
export function inferenceGraph(config: Gpt2Config, weights: Gpt2Weights): Graph {
  const graph = buildLogitsGraph(config, { dtype: 'float32', positions: 'last', kvCache: true });
  for (const p of gpt2Params(config)) {
    if (!weights.has(p.name)) throw new Error(`inferenceGraph: weights lack ${p.name}`);
  }
  return bindInputs(graph, weights);
}

/** ONNX bytes of `inferenceGraph` (plain ONNX: default domain only). */
export function inferenceOnnx(config: Gpt2Config, weights: Gpt2Weights, docString = ''): Uint8Array {
  return toOnnx(inferenceGraph(config, weights), { opset: INFERENCE_OPSET, docString });
}
