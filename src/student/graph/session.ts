// The bridge to onnxruntime-node: emit a graph, open a CPU session on it, and wrap typed arrays as tensors.
// Sessions default to ORT's 'extended' optimisations (fusions such as FusedMatMul happen in memory only;
// the bytes we emit and save stay plain ONNX).

import * as ort from 'onnxruntime-node';
import type { DType, Graph, TensorData } from './ir';
import { type Opset, toOnnx } from './onnx';
import { cpuThreads } from './threads';

export interface SessionOptions {
  readonly opset?: Opset;
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly intraOpThreads?: number;
}

export async function openSession(graph: Graph, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const bytes = toOnnx(graph, { opset: options.opset ?? 17 });
  return openModel(bytes, options);
}

export async function openModel(
  bytes: Uint8Array,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'extended',
  };
  sessionOptions.intraOpNumThreads = options.intraOpThreads ?? cpuThreads();
  return ort.InferenceSession.create(bytes, sessionOptions);
}

const ORT_TYPE = { float32: 'float32', float64: 'float64', int64: 'int64', bool: 'bool' } as const;

/** An ORT tensor over `data` without copying it. */
export function ortTensor(dtype: DType, data: TensorData, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[dtype], data, dims);
}

export type { ort };
