// Whether decode sessions spin: only when every thread finds an idle core (spinPolicy.ts), from real CPU times.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { test } from 'node:test';
import { resolveSpinning, sessionOptions } from '../../../src/student/infer/kvModel';
import { idleCores, idleFromTimes, shouldSpin } from '../../../src/student/infer/spinPolicy';

test('a session spins only if each of its threads finds a nearly idle core', async () => {
  assert.equal(await shouldSpin(2, async () => 1.9), true);
  assert.equal(await shouldSpin(2, async () => 1.0), false, 'one core busy elsewhere: sleep');
  assert.equal(await shouldSpin(1, async () => 0.8), true);
  assert.equal(await shouldSpin(4, async () => 3.5), false);
});

test('idle cores come from the kernel CPU times: a busy process takes about one core away', async () => {
  const cpus = os.cpus().length;
  const quiet = await idleCores(100);
  assert.ok(quiet >= 0 && quiet <= cpus + 1e-9, `idle ${quiet} of ${cpus}`);
  const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end) {}'], {
    stdio: 'ignore',
  });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const loaded = await idleCores(300);
    assert.ok(loaded <= cpus - 0.5, `with a busy process ${loaded.toFixed(2)} of ${cpus} cores were idle`);
  } finally {
    busy.kill();
  }
});

test("this process's own CPU time counts as idle: loading the model is not competition for its decode threads", () => {
  const times = (user: number, idle: number) => ({ times: { user, nice: 0, sys: 0, idle, irq: 0 } });
  const before = [times(0, 0), times(0, 0)];
  // Over 100 ms: core 0 fully busy, core 1 idle.
  const after = [times(100, 0), times(0, 100)];
  assert.equal(idleFromTimes(before, after, 0), 1, 'someone else keeps one core busy');
  assert.equal(idleFromTimes(before, after, 100), 2, 'the busy core was this process');
  assert.equal(idleFromTimes(before, after, 60), 1.6);
  assert.equal(idleFromTimes(before, before, 0), 0, 'no time passed: nothing known to be idle');
});

test('explicit choices are kept; spinning sessions stop spinning when a run returns', async () => {
  assert.equal((await resolveSpinning({ spinning: false })).spinning, false);
  assert.equal((await resolveSpinning({ spinning: true })).spinning, true);
  assert.equal(typeof (await resolveSpinning({ intraOpThreads: 1 })).spinning, 'boolean');
  assert.deepEqual(sessionOptions({ spinning: true }).extra, { session: { force_spinning_stop: '1' } });
  assert.deepEqual(sessionOptions({}).extra, { session: { intra_op: { allow_spinning: '0' } } });
});
