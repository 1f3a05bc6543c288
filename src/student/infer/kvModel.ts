/**
 * Design goal: the decoder talks to one small interface — "these new token ids, this cache → last-position
 * logits and the grown cache" — and each step moves only what is new. The cache is a pair of token-major
 * buffers per layer owned here (decoderGraph.ts explains the layout): a step feeds views of their filled
 * prefixes (no copy), gets back the new rows and writes them after the prefix. Batch size is 1: the CLI and the
 * editor explain one abstract at a time, and greedy decoding of one sequence needs no padding.
 *
 * Buffers are shared by a cache and the caches stepped from it: step from the newest cache, or from an older one
 * only when the newer ones will not be used again (their rows past the older length get overwritten).
 */
import * as ort from 'onnxruntime-node';
import { cpuThreads } from '../graph/threads';
import type { Gpt2Config } from '../model';
import { cacheName, newRowsName } from './decoderGraph';
import { shouldSpin } from './spinPolicy';

/** Cached keys and values: `length` positions, room for `capacity`. */
export interface KvCache {
  /** Positions held (P). */
  readonly length: number;
  /** Positions the buffers hold at most. */
  readonly capacity: number;
  /** Per layer, keys then values: [(capacity + 1) · C] floats, row 0 the masked sentinel. */
  readonly buffers: readonly { readonly key: Float32Array; readonly value: Float32Array }[];
}

export interface StepResult {
  /** Logits of the last new position, one per vocabulary entry (the caller may edit them in place). */
  readonly logits: Float32Array;
  readonly cache: KvCache;
}

export interface KvModelOptions {
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly intraOpThreads?: number;
  /**
   * Let onnxruntime's worker threads spin between kernels instead of sleeping: true, false, or 'auto' (the
   * default where sessions are opened: spin only if the machine has an idle core for every thread when the
   * session is created — spinPolicy.ts has the measurements). Here, undefined means false.
   */
  readonly spinning?: boolean | 'auto';
}

export function sessionOptions(options: KvModelOptions = {}): ort.InferenceSession.SessionOptions {
  const o: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'extended',
  };
  o.intraOpNumThreads = options.intraOpThreads ?? cpuThreads();
  // A spinning pool stops spinning when each run returns, so an engine waiting for the next hover burns no CPU.
  o.extra =
    options.spinning === true
      ? { session: { force_spinning_stop: '1' } }
      : { session: { intra_op: { allow_spinning: '0' } } };
  return o;
}

/** `options` with spinning 'auto' (or unset) decided now for this machine (spinPolicy.ts). */
export async function resolveSpinning(options: KvModelOptions): Promise<KvModelOptions> {
  if (options.spinning === true || options.spinning === false) return options;
  return { ...options, spinning: await shouldSpin(options.intraOpThreads ?? cpuThreads()) };
}

export class KvModel {
  private readonly headDim: number;

  constructor(
    readonly session: ort.InferenceSession,
    readonly config: Gpt2Config,
    /** Whether the session's threads spin between kernels (spinPolicy.ts). */
    readonly spinning = false,
  ) {
    this.headDim = config.nEmbd / config.nHead;
    const last = config.nLayer - 1;
    const missing = [
      ...['input_ids', cacheName(0, 'key'), cacheName(last, 'value')].filter(
        (n) => !session.inputNames.includes(n),
      ),
      ...['logits', newRowsName(last, 'value')].filter((n) => !session.outputNames.includes(n)),
    ];
    if (missing.length > 0) {
      throw new Error(
        `not a MiniAstroLM decoder graph for ${config.nLayer} layers: missing ${missing.join(', ')}`,
      );
    }
  }

  /**
   * A cache holding nothing, with room for `capacity` positions (default: all the model's; a step that needs more
   * moves to a larger copy). Memory is only touched as rows are written, so room costs address space, not RSS.
   */
  emptyCache(capacity = this.config.nPositions): KvCache {
    const rows = (Math.min(capacity, this.config.nPositions) + 1) * this.config.nEmbd;
    const buffers = Array.from({ length: this.config.nLayer }, () => ({
      key: new Float32Array(rows),
      value: new Float32Array(rows),
    }));
    return { length: 0, capacity: Math.min(capacity, this.config.nPositions), buffers };
  }

  /** Runs `ids` (positions cache.length ...) and returns the last position's logits and the grown cache. */
  async step(ids: readonly number[], cache: KvCache = this.emptyCache()): Promise<StepResult> {
    if (ids.length === 0) throw new Error('KvModel.step: no token ids');
    const total = cache.length + ids.length;
    if (total > this.config.nPositions) {
      throw new Error(`KvModel.step: ${total} positions exceed the model's ${this.config.nPositions}`);
    }
    if (total > cache.capacity) cache = this.grown(cache, Math.max(total, 2 * cache.capacity));
    const { nHead, nEmbd } = this.config;
    const rows = cache.length + 1;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (v) => BigInt(v)),
        [1, ids.length],
      ),
    };
    cache.buffers.forEach((layer, i) => {
      for (const kind of ['key', 'value'] as const) {
        feeds[cacheName(i, kind)] = new ort.Tensor('float32', layer[kind].subarray(0, rows * nEmbd), [
          rows,
          nHead,
          this.headDim,
        ]);
      }
    });
    const out = await this.session.run(feeds);
    cache.buffers.forEach((layer, i) => {
      for (const kind of ['key', 'value'] as const) {
        layer[kind].set(out[newRowsName(i, kind)]!.data as Float32Array, rows * nEmbd);
      }
    });
    const logits = out['logits']!.data as Float32Array;
    return { logits, cache: { ...cache, length: total } };
  }

  /** A copy of `cache` with room for `capacity` positions (a cache made too small for where decoding went). */
  private grown(cache: KvCache, capacity: number): KvCache {
    const bigger = this.emptyCache(capacity);
    const filled = (cache.length + 1) * this.config.nEmbd;
    cache.buffers.forEach((layer, i) => {
      bigger.buffers[i]!.key.set(layer.key.subarray(0, filled));
      bigger.buffers[i]!.value.set(layer.value.subarray(0, filled));
    });
    return { ...bigger, length: cache.length };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
