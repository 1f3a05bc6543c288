/**
 * Every parser and loader that reads outside input (targets.ts), fed a few hundred malformed inputs each: it must
 * return a result or throw a typed MiniAstroLM error, never another exception, never hang. Targets run in a worker
 * so a hang is stopped and named. The seed is fixed, so CI sees the same cases every time; to explore further,
 * MINIASTROLM_FUZZ_SEED=random (or a number) and MINIASTROLM_FUZZ_RUNS=N (N times the runs). A failure prints
 * fast-check's seed and shrunk counterexample.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { targets } from './targets';
import type { FuzzReply, FuzzRequest } from './worker';

const seedSetting = process.env['MINIASTROLM_FUZZ_SEED'];
const seed =
  seedSetting === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(seedSetting ?? 20_250_117);
const runsFactor = Number(process.env['MINIASTROLM_FUZZ_RUNS'] ?? 1);
/** A target taking longer than this is hung (the slowest takes about 2 s on a shared 2-core machine). */
const hangMs = 30_000 * runsFactor;

let worker: Worker | null = null;
function startWorker(): Worker {
  const script = path.join(__dirname, 'worker.ts');
  const tsx = createRequire(script).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, { eval: true });
}

function fuzz(name: string): Promise<FuzzReply> {
  worker ??= startWorker();
  const current = worker;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      current.removeAllListeners();
      void current.terminate();
      worker = null;
      resolve({ name, ok: false, message: `still running after ${hangMs / 1000} s: a hang (seed ${seed})` });
    }, hangMs);
    current.once('message', (reply: FuzzReply) => {
      clearTimeout(timer);
      current.removeAllListeners('error');
      resolve(reply);
    });
    current.once('error', (error) => {
      clearTimeout(timer);
      worker = null;
      reject(error);
    });
    current.postMessage({ name, seed, runsFactor } satisfies FuzzRequest);
  });
}

after(() => {
  worker?.postMessage('done');
});

for (const target of targets) {
  test(`fuzz: ${target.name}`, async () => {
    const reply = await fuzz(target.name);
    assert.ok(reply.ok, reply.ok ? '' : `${target.name} (seed ${seed}):\n${reply.message}`);
  });
}
