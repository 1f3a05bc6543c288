/**
 * Read bandwidth of this machine, measured in the benchmark's own run (a shared VM's neighbours change it from
 * hour to hour): `threads` workers each fault in their own 512 MiB, then all sum theirs at once with WebAssembly
 * SIMD loads (readBandwidth.wat), several passes; the rate is the bytes all threads read over the slowest
 * thread's time, best pass kept.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { assembleWat } from '../scripts/build-wasm';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, wasm, passes } = workerData;
const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm));
const memory = instance.exports.memory;
memory.grow(bytes / 65536);
new Uint8Array(memory.buffer).fill(1);
parentPort.postMessage({ ready: true });
parentPort.on('message', () => {
  const times = [];
  let check = 0n;
  for (let p = 0; p < passes; p++) {
    const t0 = performance.now();
    check += instance.exports.sum(bytes);
    times.push(performance.now() - t0);
  }
  parentPort.postMessage({ times, check: String(check) });
});
`;

export async function readBandwidthGBs(threads: number, passes = 5): Promise<number> {
  const wasm = await assembleWat(path.join(__dirname, 'readBandwidth.wat'));
  const bytes = 512 * 2 ** 20;
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { eval: true, workerData: { bytes, wasm, passes } }),
  );
  const next = (w: Worker) =>
    new Promise<{ times?: number[] }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(workers.map(next));
    const done = workers.map(next);
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    let best = 0;
    for (let p = 0; p < passes; p++) {
      const slowest = Math.max(...results.map((r) => r.times![p]!));
      best = Math.max(best, (threads * bytes) / (slowest / 1000) / 1e9);
    }
    return best;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
