/**
 * The AdamW kernel a lane of adamWPool.ts runs: adamWKernel.wat through WebAssembly SIMD where the runtime has it
 * (Node 20 and VS Code's Electron do), else hostAdamW.ts's JavaScript loop. Both give the same bits
 * (adamWKernel.test.ts), so which one ran never shows in a checkpoint. Design goal: leave the optimizer state
 * where it is. Tensors stay in their own ArrayBuffers (ONNX Runtime reads them as feeds, and adamWPool.ts moves
 * them between threads), and the kernel walks them in chunks small enough for the L2 cache: p, m, v and g copied
 * into its memory, updated, p, m and v copied back. Main memory sees the same single pass an in-place loop
 * makes; the copies run at cache speed (GPT-2 small, one core: 0.47 s in JavaScript, 0.34 s here).
 */
import { ADAMW_KERNEL_WASM } from './adamWKernelWasm';
import { adamWTensor } from './hostAdamW';

/** One tensor's update in place: adamWTensor's contract. */
export type AdamWKernel = typeof adamWTensor;

/**
 * Elements a chunk: four regions of 8192 float32 (128 KiB) stay in the L2 cache. 4096 and 16384 measured the
 * same on this machine's EPYC; much larger chunks spill and pay the copies at memory speed.
 */
export const KERNEL_CHUNK = 8192;

let compiled: WebAssembly.Module | null | undefined;

/**
 * The compiled kernel, or null where this runtime lacks WebAssembly SIMD or WebAssembly altogether (node
 * --jitless has no WebAssembly global). Compiled once a thread.
 */
export function adamWKernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(ADAMW_KERNEL_WASM, 'base64');
    compiled =
      typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes)
        ? new WebAssembly.Module(bytes)
        : null;
  }
  return compiled;
}

/**
 * A kernel over an instance of `module` with chunks of `chunk` elements. Self-contained (no outer names):
 * adamWPool.ts runs its source in worker threads.
 */
export function wasmAdamWKernel(module: WebAssembly.Module, chunk: number): AdamWKernel {
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports['memory'] as WebAssembly.Memory;
  const update = instance.exports['adamw'] as (...args: number[]) => void;
  // Each region has room for one element past the chunk (the .wat's pairs write it when n is odd), rounded up
  // to keep 16-byte alignment.
  const stride = chunk + 4;
  const bytes = 4 * stride * 4;
  const page = 65536;
  if (memory.buffer.byteLength < bytes) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / page));
  }
  const heap = new Float32Array(memory.buffer);
  const [P, M, V, G] = [0, stride, 2 * stride, 3 * stride];
  return (p, m, v, g, c, decay) => {
    if (m.length !== p.length || v.length !== p.length || g.length !== p.length) {
      throw new Error(
        `AdamW kernel: p, m, v and g differ in length (${p.length}, ${m.length}, ${v.length}, ${g.length})`,
      );
    }
    for (let start = 0; start < p.length; start += chunk) {
      const end = Math.min(p.length, start + chunk);
      const n = end - start;
      heap.set(p.subarray(start, end), P);
      heap.set(m.subarray(start, end), M);
      heap.set(v.subarray(start, end), V);
      heap.set(g.subarray(start, end), G);
      update(
        4 * P,
        4 * M,
        4 * V,
        4 * G,
        n,
        c.scale,
        c.beta1,
        c.beta2,
        c.stepSize,
        c.invSqrtBc2,
        c.eps,
        decay,
      );
      p.set(heap.subarray(P, P + n), start);
      m.set(heap.subarray(M, M + n), start);
      v.set(heap.subarray(V, V + n), start);
    }
  };
}

let hostKernel: AdamWKernel | undefined;

/** This thread's kernel: WebAssembly where it runs, else the JavaScript loop. */
export function adamWKernel(): AdamWKernel {
  if (!hostKernel) {
    const module = adamWKernelModule();
    hostKernel = module ? wasmAdamWKernel(module, KERNEL_CHUNK) : adamWTensor;
  }
  return hostKernel;
}
