/**
 * The whole mutable state of a training run, as plain float32 arrays by HF parameter name: the weights and
 * AdamW's two moments. A step replaces the three maps with the graph's outputs; a checkpoint writes them as they
 * are (float32, no conversion), which is what makes a resumed run bit-identical to an uninterrupted one.
 */
import type { ParamSpec } from '../graph/gpt2';
import type { Gpt2Weights } from '../model/weights';

export type TensorMap = Map<string, Float32Array>;

export interface OptimizerState {
  params: TensorMap;
  m: TensorMap;
  v: TensorMap;
}

export function elementsOf(spec: ParamSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

export function zeros(specs: readonly ParamSpec[]): TensorMap {
  return new Map(specs.map((s) => [s.name, new Float32Array(elementsOf(s))]));
}

/** Fresh optimizer state around loaded or initialised weights (moments zero, as torch's AdamW starts). */
export function stateFromWeights(specs: readonly ParamSpec[], weights: Gpt2Weights): OptimizerState {
  return {
    params: new Map(specs.map((s) => [s.name, weights.get(s.name)!.data])),
    m: zeros(specs),
    v: zeros(specs),
  };
}

export function weightsOf(specs: readonly ParamSpec[], params: TensorMap): Gpt2Weights {
  return new Map(specs.map((s) => [s.name, { shape: [...s.shape], data: params.get(s.name)! }]));
}

export function parameterTotal(specs: readonly ParamSpec[]): number {
  return specs.reduce((n, s) => n + elementsOf(s), 0);
}

/** The first tensor holding a NaN or an infinity, or undefined when all are finite. */
export function firstNonFinite(tensors: TensorMap): string | undefined {
  for (const [name, data] of tensors) {
    for (let i = 0; i < data.length; i++) {
      // x - x is 0 for finite x and NaN for NaN and ±Infinity: one comparison per element.
      const x = data[i]!;
      if (x - x !== 0) return name;
    }
  }
  return undefined;
}
