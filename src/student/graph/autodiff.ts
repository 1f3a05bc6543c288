// Reverse-mode differentiation over the IR. The graph is append-only, so walking nodes backwards visits every
// consumer before its producer; each op's vector-Jacobian product lives in one small rule (rules/*.ts), and
// this file only routes gradients, sums fan-out, and checks every rule's output shape at build time.

import { dimEq, fmtShape } from './dims';
import type { Node, Value } from './ir';
import { add, zerosLike } from './ops';
import { FLOAT_TYPES, GraphError } from './registry';
import './rules';
import { gradRule } from './rules/rule';

export { defineGrad, dyOrZeros, type GradContext, type GradRule } from './rules/rule';

export interface GradientOptions {
  /** Upstream gradient for a non-scalar `y` (a vector-Jacobian product); defaults to 1 for a scalar. */
  readonly seed?: Value;
}

/**
 * Emits nodes computing d(y)/d(x) for each x in `wrt` (graph inputs or any earlier value) and returns them
 * in the same order. Parameters that do not influence `y` get explicit zeros, so callers can always output
 * one gradient per parameter.
 */
export function gradients(y: Value, wrt: readonly Value[], options: GradientOptions = {}): Value[] {
  const g = y.graph;
  if (!options.seed && y.rank !== 0) throw new GraphError(`gradients: ${y} is not a scalar; pass a seed`);
  const nodes = g.nodes.slice();

  // Forward pass: which float values depend on something in `wrt`.
  const live = new Set<Value>(wrt);
  for (const node of nodes) {
    if (!node.inputs.some((v) => live.has(v))) continue;
    for (const out of node.outputs) if (FLOAT_TYPES.includes(out.dtype)) live.add(out);
  }

  const grads = new Map<Value, Value>();
  const accumulate = (v: Value, d: Value) => {
    const prev = grads.get(v);
    grads.set(v, prev ? sum(prev, d) : d);
  };

  g.scope('grad', () => {
    grads.set(y, options.seed ?? g.constant(y.dtype, 1));
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      const dy = node.outputs.map((o) => grads.get(o));
      const needs = node.inputs.map((v) => live.has(v) && FLOAT_TYPES.includes(v.dtype));
      if (dy.every((d) => d === undefined) || !needs.some(Boolean)) continue;
      const rule = gradRule(node.op);
      if (!rule) {
        throw new GraphError(
          `no gradient rule for ${node.op} (node ${node.outputs[0]?.name}), which lies between the parameters and ${y.name}`,
        );
      }
      const dx = g.scope(node.outputs[0]!.name, () =>
        rule({ node, inputs: node.inputs, outputs: node.outputs, dy, needs }),
      );
      node.inputs.forEach((x, j) => {
        const d = dx[j];
        if (!needs[j] || !d) return;
        checkGrad(node, x, d);
        accumulate(x, d);
      });
    }
  });
  return wrt.map((x) => grads.get(x) ?? zerosLike(x));
}

/**
 * prev + d. When one side is a scatter-add into fresh zeros (a Gather's gradient: GPT-2's tied embedding gets
 * one from the input lookup and a dense one from the LM head), the other side becomes the scatter's base
 * instead: no [vocab, C] zeros and no [vocab, C] Add, and ONNX Runtime may scatter in place. The zero-based
 * scatter is left unused (the emitter drops it).
 */
function sum(prev: Value, d: Value): Value {
  for (const [sparse, dense] of [
    [d, prev],
    [prev, d],
  ] as const) {
    const node = sparse.producer;
    const base = node?.inputs[0]?.producer;
    const scatter = node?.op === 'ScatterND' || node?.op === 'ScatterElements';
    if (scatter && node.attrs['reduction'] === 'add' && base?.op === 'ConstantOfShape' && isZeroFill(base)) {
      return sparse.graph.op(node.op, [dense, ...node.inputs.slice(1)], node.attrs);
    }
  }
  return add(prev, d);
}

function isZeroFill(node: Node): boolean {
  const value = node.attrs['value'];
  return (
    typeof value === 'object' &&
    value !== null &&
    'data' in value &&
    [...value.data].every((x) => Number(x) === 0)
  );
}

function checkGrad(node: Node, x: Value, d: Value): void {
  const same = d.rank === x.rank && d.shape.every((s, i) => dimEq(s, x.shape[i]!));
  if (!same || d.dtype !== x.dtype) {
    throw new GraphError(
      `gradient rule for ${node.op} returned ${d.dtype}${fmtShape(d.shape)} for input ${x} (a rule bug)`,
    );
  }
}
