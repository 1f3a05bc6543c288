/**
 * Runs fuzz targets in a worker thread, so the test can stop one that hangs (terminate() works even inside an
 * endless loop). Message in: {name, seed}; message out: {name, ok, runs, ms} or {name, ok: false, message}.
 */
import { rmSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import fc from 'fast-check';
import { MiniAstroError } from '../../src/core/errors';
import { closeScratch, scratchRoot, targets } from './targets';

export interface FuzzRequest {
  name: string;
  seed: number;
  /** Multiplies each target's runs (deeper exploration). */
  runsFactor: number;
}

export type FuzzReply =
  | { name: string; ok: true; runs: number; ms: number }
  | { name: string; ok: false; message: string };

async function runTarget({ name, seed, runsFactor }: FuzzRequest): Promise<FuzzReply> {
  const target = targets.find((t) => t.name === name);
  if (!target) return { name, ok: false, message: `no fuzz target named "${name}"` };
  const typed = target.typedErrors ?? ((e: unknown) => e instanceof MiniAstroError);
  const runs = Math.max(1, Math.round((target.runs ?? 300) * runsFactor));
  const started = performance.now();
  const property = fc.asyncProperty(target.input(), async (input) => {
    try {
      await target.run(input);
    } catch (error) {
      if (!typed(error)) throw error;
    }
  });
  try {
    await fc.assert(property, { numRuns: runs, seed, examples: (target.examples ?? []).map((e) => [e]) });
  } catch (error) {
    return { name, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  return { name, ok: true, runs, ms: Math.round(performance.now() - started) };
}

parentPort!.on('message', (request: FuzzRequest | 'done') => {
  if (request === 'done') {
    closeScratch();
    const root = scratchRoot();
    if (root) rmSync(root, { recursive: true, force: true });
    parentPort!.close();
    return;
  }
  void runTarget(request).then((reply) => parentPort!.postMessage(reply));
});
