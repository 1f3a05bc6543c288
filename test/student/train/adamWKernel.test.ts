// The WebAssembly AdamW kernel: the committed bytes are what its .wat source assembles to, and it writes the same
// bits as the JavaScript kernel, across chunk edges, odd lengths and the values where rounding gets delicate.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { assembleWat, renderWasmModule, WASM_KERNELS } from '../../../scripts/build-wasm';
import {
  type AdamWKernel,
  adamWKernel,
  adamWKernelModule,
  KERNEL_CHUNK,
  wasmAdamWKernel,
} from '../../../src/student/train/adamWKernel';
import { type AdamWCoefficients, adamWTensor } from '../../../src/student/train/hostAdamW';
import { randn } from '../graph/helpers';

const hex = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function coefficients(step: number, scale: number): AdamWCoefficients {
  const [beta1, beta2, lr] = [0.9, 0.999, 3e-4];
  return {
    scale,
    beta1,
    beta2,
    stepSize: lr / (1 - beta1 ** step),
    invSqrtBc2: 1 / Math.sqrt(1 - beta2 ** step),
    eps: 1e-8,
  };
}

interface Case {
  p: Float32Array;
  m: Float32Array;
  v: Float32Array;
  g: Float32Array;
}

function randomCase(n: number, seed: number): Case {
  const f = (k: number, scale: number) => Float32Array.from(randn(n, seed * 7 + k, scale));
  return { p: f(0, 0.1), m: f(1, 1e-3), v: f(2, 1e-6).map(Math.abs), g: f(3, 1e-2) };
}

/** Runs `kernel` on a copy of `c` for three steps; returns the final p, m and v as hex. */
function threeSteps(kernel: AdamWKernel, c: Case, scale: number, decay: number): string[] {
  const [p, m, v] = [c.p.slice(), c.m.slice(), c.v.slice()];
  for (let step = 1; step <= 3; step++) kernel(p, m, v, c.g, coefficients(step, scale), decay);
  return [hex(p), hex(m), hex(v)];
}

test('the committed WebAssembly modules are what their .wat sources assemble to', async () => {
  for (const k of WASM_KERNELS) {
    const bytes = await assembleWat(k.wat);
    assert.equal(
      readFileSync(k.out, 'utf8'),
      renderWasmModule(k.wat, k.exportName, bytes),
      `${k.out}: run npm run build:wasm`,
    );
  }
});

test('this runtime runs the WebAssembly kernel (SIMD), and it is the one a thread gets', () => {
  assert.ok(adamWKernelModule(), 'Node 20 validates the SIMD module');
  assert.notEqual(adamWKernel(), adamWTensor);
});

test('WebAssembly and JavaScript kernels give the same bits at every length around the chunk edges', () => {
  const module = adamWKernelModule()!;
  const small = wasmAdamWKernel(module, 16);
  const full = wasmAdamWKernel(module, KERNEL_CHUNK);
  const lengths = [0, 1, 2, 3, 15, 16, 17, 33, 2 * KERNEL_CHUNK + 3];
  for (const [i, n] of lengths.entries()) {
    const c = randomCase(n, i + 1);
    const expected = threeSteps(adamWTensor, c, 0.37, 1 - 3e-4 * 0.01);
    assert.deepEqual(threeSteps(small, c, 0.37, 1 - 3e-4 * 0.01), expected, `n = ${n}, 16-element chunks`);
    assert.deepEqual(threeSteps(full, c, 0.37, 1 - 3e-4 * 0.01), expected, `n = ${n}`);
  }
});

test('the same bits where rounding is delicate: zeros, signed zeros, subnormals, overflow to infinity, no decay', () => {
  const values = [0, -0, 1e-45, -1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1e30, -1e-30, 0.5, -2];
  const n = values.length ** 2;
  const pick = (k: number) =>
    Float32Array.from({ length: n }, (_, i) => values[Math.floor(i / values.length ** k) % values.length]!);
  const c: Case = { p: pick(0), g: pick(1), m: pick(0).reverse(), v: pick(1).map(Math.abs).reverse() };
  const kernel = wasmAdamWKernel(adamWKernelModule()!, 8);
  for (const [scale, decay] of [
    [1, 1],
    [0.01, 0.999],
    [1e20, 1],
  ] as const) {
    assert.deepEqual(
      threeSteps(kernel, c, scale, decay),
      threeSteps(adamWTensor, c, scale, decay),
      `scale ${scale}`,
    );
  }
});

test('tensors of different lengths are refused, naming the lengths', () => {
  const kernel = wasmAdamWKernel(adamWKernelModule()!, 16);
  const a = new Float32Array(8);
  assert.throws(
    () => kernel(a, a, a, new Float32Array(7), coefficients(1, 1), 1),
    /differ in length \(8, 8, 8, 7\)/,
  );
});

/** Three AdamW steps of the pool on a fixed case in a child Node; prints whether it had a module, and the bits. */
const POOL_SCRIPT = `
const { AdamWPool } = require(${JSON.stringify(path.resolve('src/student/train/adamWPool.ts'))});
const { adamWKernelModule } = require(${JSON.stringify(path.resolve('src/student/train/adamWKernel.ts'))});
(async () => {
  const specs = [{ name: 'w', shape: [40, 25], decay: true }, { name: 'b', shape: [25], decay: false }];
  let seed = 5;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5);
  const make = (n, scale) => Float32Array.from({ length: n }, () => rand() * scale);
  const state = { params: new Map(), m: new Map(), v: new Map() };
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    state.params.set(s.name, make(n, 1)); state.m.set(s.name, new Float32Array(n)); state.v.set(s.name, new Float32Array(n));
  }
  const pool = new AdamWPool(2);
  for (let step = 1; step <= 3; step++) {
    const grads = new Map(specs.map((s) => [s.name, make(s.shape.reduce((a, b) => a * b, 1), 0.1)]));
    await pool.step(specs, state, grads, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1, step, gradScale: 0.5 });
  }
  await pool.close();
  const bits = (m) => [...m.values()].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex')).join('');
  console.log(JSON.stringify({ wasm: adamWKernelModule() !== null, bits: bits(state.params) + bits(state.m) + bits(state.v) }));
})();`;

function poolInChild(flags: string[]): { wasm: boolean; bits: string } {
  const child = spawnSync(process.execPath, [...flags, '--import', 'tsx', '-e', POOL_SCRIPT], {
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
}

test('without WebAssembly (node --jitless) the pool falls back to the JavaScript kernel, with the same bits', () => {
  const withWasm = poolInChild([]);
  const jitless = poolInChild(['--jitless']);
  assert.equal(withWasm.wasm, true);
  assert.equal(jitless.wasm, false, 'no WebAssembly global under --jitless');
  assert.equal(jitless.bits, withWasm.bits);
});
