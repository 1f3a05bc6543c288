/**
 * The host AdamW (hostAdamW.ts) on every core. Design goal: the update is one pass over 1.5 GB of state at GPT-2
 * small, 0.7 s of a 2-core CPU step on one JavaScript thread, and its share grows with the core count, since
 * ONNX Runtime's part of the step scales and it did not. Tensors are dealt to lanes (this thread and N - 1
 * workers) by size; a worker's tensors travel to it and back as transferred ArrayBuffers, so nothing is copied,
 * and each lane runs the same adamWTensor source, so the result is bit for bit the one-thread result.
 * onnxruntime-node refuses SharedArrayBuffer-backed tensors, hence ownership moves instead of shared memory: a
 * moved tensor comes back as a new Float32Array over the same memory, and the caller rebinds its feeds (moved()).
 */
import { Worker } from 'node:worker_threads';
import type { ParamSpec } from '../graph/gpt2';
import {
  type AdamWKernel,
  adamWKernel,
  adamWKernelModule,
  KERNEL_CHUNK,
  wasmAdamWKernel,
} from './adamWKernel';
import {
  type AdamWCoefficients,
  type AdamWSettings,
  adamWCoefficients,
  adamWTensor,
  decayOf,
} from './hostAdamW';
import type { OptimizerState } from './state';

interface MovedTensor {
  name: string;
  decay: number;
  p: ArrayBuffer;
  m: ArrayBuffer;
  v: ArrayBuffer;
  g: ArrayBuffer;
}

interface Job {
  c: AdamWCoefficients;
  tensors: MovedTensor[];
}

/** What a worker hands back: the updated state, not the gradients. */
type ReturnedTensor = Pick<MovedTensor, 'name' | 'p' | 'm' | 'v'>;

/**
 * A worker's loop: the kernels' own source (the compiled WebAssembly module comes as workerData), applied to each
 * tensor it is handed, which it hands back.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const adamWTensor = ${adamWTensor.toString()};
const wasmAdamWKernel = ${wasmAdamWKernel.toString()};
const kernel = workerData.module ? wasmAdamWKernel(workerData.module, workerData.chunk) : adamWTensor;
parentPort.on('message', (job) => {
  for (const t of job.tensors) {
    kernel(new Float32Array(t.p), new Float32Array(t.m), new Float32Array(t.v), new Float32Array(t.g), job.c, t.decay);
  }
  // The gradients stay here (a buffer left out of the transfer list would be copied back).
  const back = job.tensors.map((t) => ({ name: t.name, p: t.p, m: t.m, v: t.v }));
  parentPort.postMessage(back, back.flatMap((t) => [t.p, t.m, t.v]));
});`;

/** Whether `a` is the whole of its buffer (a view into a larger one cannot move alone). */
function ownsBuffer(a: Float32Array): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer;
}

/** Indices of `sizes` dealt to `lanes` lanes, largest first, each to the lane with the fewest elements so far. */
export function dealBySize(sizes: readonly number[], lanes: number): number[][] {
  const out: number[][] = Array.from({ length: lanes }, () => []);
  const load = new Array<number>(lanes).fill(0);
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  for (const i of order) {
    let lane = 0;
    for (let l = 1; l < lanes; l++) if (load[l]! < load[lane]!) lane = l;
    out[lane]!.push(i);
    load[lane]! += sizes[i]!;
  }
  return out;
}

export class AdamWPool {
  private readonly workers: Worker[] = [];
  private readonly kernel: AdamWKernel;

  /**
   * `threads` lanes in all (this thread included); below `minElements` a step stays on this thread. The default
   * is 0: a tiny model's step pays well under a millisecond for the messages, and every CPU run (the tests'
   * bit-identity checks included) goes through the same path as a large one. With `wasm` false every lane runs the
   * JavaScript kernel, as on a runtime without WebAssembly SIMD (the same bits).
   */
  constructor(
    readonly threads: number,
    readonly minElements = 0,
    wasm = true,
  ) {
    const module = wasm ? adamWKernelModule() : null;
    this.kernel = module ? adamWKernel() : adamWTensor;
    for (let i = 1; i < threads; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, chunk: KERNEL_CHUNK } });
      // An idle pool must not keep a finished CLI run alive.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * One AdamW update of `state` in place, as adamWInPlace does (same values, bit for bit); `grads` are consumed
   * (their buffers may move). Returns the norm and the names whose arrays in `state` were replaced.
   */
  async step(
    specs: readonly ParamSpec[],
    state: OptimizerState,
    grads: ReadonlyMap<string, Float32Array>,
    s: AdamWSettings,
  ): Promise<{ norm: number; moved: string[] }> {
    const { norm, c } = adamWCoefficients(grads, s);
    const arrays = specs.map((spec) => {
      const g = grads.get(spec.name);
      if (!g) throw new Error(`no gradient for ${spec.name}`);
      const p = state.params.get(spec.name)!;
      const m = state.m.get(spec.name)!;
      const v = state.v.get(spec.name)!;
      return { spec, p, m, v, g, movable: [p, m, v, g].every(ownsBuffer) };
    });
    const total = arrays.reduce((n, a) => n + a.p.length, 0);
    const lanes = total < this.minElements ? [arrays.map((_, i) => i)] : this.deal(arrays);
    const jobs = lanes.slice(1).map((lane, w) => {
      const tensors = lane.map((i): MovedTensor => {
        const a = arrays[i]!;
        const buffer = (x: Float32Array) => x.buffer as ArrayBuffer;
        return {
          name: a.spec.name,
          decay: decayOf(a.spec, s),
          p: buffer(a.p),
          m: buffer(a.m),
          v: buffer(a.v),
          g: buffer(a.g),
        };
      });
      return this.run(this.workers[w]!, { c, tensors });
    });
    for (const i of lanes[0] ?? []) {
      const a = arrays[i]!;
      this.kernel(a.p, a.m, a.v, a.g, c, decayOf(a.spec, s));
    }
    const moved: string[] = [];
    for (const tensors of await Promise.all(jobs)) {
      for (const t of tensors) {
        state.params.set(t.name, new Float32Array(t.p));
        state.m.set(t.name, new Float32Array(t.m));
        state.v.set(t.name, new Float32Array(t.v));
        moved.push(t.name);
      }
    }
    return { norm, moved };
  }

  /** Lane 0 (this thread) also takes every tensor that cannot move. */
  private deal(arrays: { p: Float32Array; movable: boolean }[]): number[][] {
    const movable = arrays.flatMap((a, i) => (a.movable ? [i] : []));
    const fixed = arrays.flatMap((a, i) => (a.movable ? [] : [i]));
    const dealt = dealBySize(
      movable.map((i) => arrays[i]!.p.length),
      this.workers.length + 1,
    ).map((lane) => lane.map((k) => movable[k]!));
    dealt[0]!.push(...fixed);
    return dealt;
  }

  private run(worker: Worker, job: Job): Promise<ReturnedTensor[]> {
    return new Promise((resolve, reject) => {
      const onMessage = (tensors: ReturnedTensor[]) => {
        worker.off('error', onError);
        resolve(tensors);
      };
      const onError = (error: Error) => {
        worker.off('message', onMessage);
        reject(error);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(
        job,
        job.tensors.flatMap((t) => [t.p, t.m, t.v, t.g]),
      );
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
