/**
 * Design goal: the decoder talks to one small interface — "these new token ids, this cache → last-position
 * logits and the grown cache" — whatever holds the model (an exported model.onnx, or weights loaded from a
 * Hugging Face folder and compiled in memory). Batch size is 1: the CLI and the editor explain one abstract at
 * a time, and greedy decoding of one sequence needs no padding.
 */
import * as ort from 'onnxruntime-node';
import { cpuThreads } from '../graph/threads';
import type { Gpt2Config } from '../model';
import { pastName, presentName } from './graph';

/** Cached keys and values per layer, [1, H, P, D] each, as onnxruntime returned them. */
export interface KvCache {
  /** Positions held (P). */
  readonly length: number;
  readonly tensors: Readonly<Record<string, ort.Tensor>>;
}

export interface StepResult {
  /** Logits of the last new position, one per vocabulary entry (a view into onnxruntime's output). */
  readonly logits: Float32Array;
  readonly cache: KvCache;
}

export interface KvModelOptions {
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly intraOpThreads?: number;
}

export function sessionOptions(options: KvModelOptions = {}): ort.InferenceSession.SessionOptions {
  const o: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'extended',
  };
  o.intraOpNumThreads = options.intraOpThreads ?? cpuThreads();
  return o;
}

export class KvModel {
  private readonly headDim: number;

  constructor(
    readonly session: ort.InferenceSession,
    readonly config: Gpt2Config,
  ) {
    this.headDim = config.nEmbd / config.nHead;
    const missing = ['input_ids', pastName(0, 'key'), pastName(config.nLayer - 1, 'value')].filter(
      (n) => !session.inputNames.includes(n),
    );
    const missingOut = ['logits', presentName(config.nLayer - 1, 'value')].filter(
      (n) => !session.outputNames.includes(n),
    );
    if (missing.length > 0 || missingOut.length > 0) {
      throw new Error(
        `not a KV-cache logits model for ${config.nLayer} layers: missing ${[...missing, ...missingOut].join(', ')}`,
      );
    }
  }

  /** A cache holding nothing: the first step encodes the whole prompt against it. */
  emptyCache(): KvCache {
    const tensors: Record<string, ort.Tensor> = {};
    const empty = new ort.Tensor('float32', new Float32Array(0), [1, this.config.nHead, 0, this.headDim]);
    for (let i = 0; i < this.config.nLayer; i++) {
      tensors[pastName(i, 'key')] = empty;
      tensors[pastName(i, 'value')] = empty;
    }
    return { length: 0, tensors };
  }

  /** Runs `ids` (positions cache.length ...) and returns the last position's logits and the grown cache. */
  async step(ids: readonly number[], cache: KvCache = this.emptyCache()): Promise<StepResult> {
    if (ids.length === 0) throw new Error('KvModel.step: no token ids');
    if (cache.length + ids.length > this.config.nPositions) {
      throw new Error(
        `KvModel.step: ${cache.length + ids.length} positions exceed the model's ${this.config.nPositions}`,
      );
    }
    const inputIds = new ort.Tensor(
      'int64',
      BigInt64Array.from(ids, (v) => BigInt(v)),
      [1, ids.length],
    );
    const out = await this.session.run({ ...cache.tensors, input_ids: inputIds });
    const tensors: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.config.nLayer; i++) {
      for (const kind of ['key', 'value'] as const) tensors[pastName(i, kind)] = out[presentName(i, kind)]!;
    }
    const logits = out['logits']!.data as Float32Array;
    return { logits, cache: { length: cache.length + ids.length, tensors } };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
