// Whether decode sessions spin: only when every thread finds an idle core (spinPolicy.ts), from real CPU times.

import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { resolveSpinning, sessionOptions } from '../../../src/student/infer/kvModel';
import { idleCores, shouldSpin } from '../../../src/student/infer/spinPolicy';

test('a session spins only if each of its threads finds a nearly idle core', async () => {
  assert.equal(await shouldSpin(2, async () => 1.9), true);
  assert.equal(await shouldSpin(2, async () => 1.0), false, 'one core busy elsewhere: sleep');
  assert.equal(await shouldSpin(1, async () => 0.8), true);
  assert.equal(await shouldSpin(4, async () => 3.5), false);
});

test('idle cores come from the kernel CPU times: a busy thread takes about one core away', async () => {
  const cpus = os.cpus().length;
  const quiet = await idleCores(100);
  assert.ok(quiet >= 0 && quiet <= cpus + 1e-9, `idle ${quiet} of ${cpus}`);
  const busy = new Worker('const end = Date.now() + 1500; while (Date.now() < end) {}', { eval: true });
  await new Promise((r) => setTimeout(r, 50));
  const loaded = await idleCores(300);
  await busy.terminate();
  assert.ok(loaded <= cpus - 0.5, `with a busy thread ${loaded.toFixed(2)} of ${cpus} cores were idle`);
});

test('explicit choices are kept; spinning sessions stop spinning when a run returns', async () => {
  assert.equal((await resolveSpinning({ spinning: false })).spinning, false);
  assert.equal((await resolveSpinning({ spinning: true })).spinning, true);
  assert.equal(typeof (await resolveSpinning({ intraOpThreads: 1 })).spinning, 'boolean');
  assert.deepEqual(sessionOptions({ spinning: true }).extra, { session: { force_spinning_stop: '1' } });
  assert.deepEqual(sessionOptions({}).extra, { session: { intra_op: { allow_spinning: '0' } } });
});
