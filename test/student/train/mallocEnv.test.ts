// The allocator setting for training processes: on Linux large freed blocks stay in the heap (no page faults
// each step); a user's own setting and other platforms are left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MALLOC_MMAP_THRESHOLD, trainingProcessEnv } from '../../../src/student/train/mallocEnv';

test('Linux training processes get a 4 GiB mmap threshold unless the user set one', () => {
  const env = trainingProcessEnv({ PATH: '/usr/bin' }, 'linux');
  assert.equal(env[MALLOC_MMAP_THRESHOLD], String(2 ** 32));
  assert.equal(env['PATH'], '/usr/bin');
  assert.equal(
    trainingProcessEnv({ [MALLOC_MMAP_THRESHOLD]: '65536' }, 'linux')[MALLOC_MMAP_THRESHOLD],
    '65536',
  );
  assert.equal(trainingProcessEnv({}, 'darwin')[MALLOC_MMAP_THRESHOLD], undefined);
  assert.equal(trainingProcessEnv({}, 'win32')[MALLOC_MMAP_THRESHOLD], undefined);
});

test('with it, reallocating 64 MB buffers faults in far fewer fresh pages (glibc)', (t) => {
  if (process.platform !== 'linux') return t.skip('glibc only');
  // Ten 64 MB buffers, each freed before the next: mmap'd blocks fault in every page every time.
  const script = `
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 10; i++) { const b = Buffer.allocUnsafeSlow(64 * 2 ** 20); b.fill(1); }
    console.log(process.resourceUsage().minorPageFault - before);`;
  const faults = (env: NodeJS.ProcessEnv) => {
    const run = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return Number(run.stdout.trim());
  };
  const { [MALLOC_MMAP_THRESHOLD]: _, ...plain } = process.env;
  const without = faults(plain);
  const withIt = faults(trainingProcessEnv(plain));
  t.diagnostic(`minor page faults: ${without} without, ${withIt} with ${MALLOC_MMAP_THRESHOLD}`);
  // 10 × 16,384 pages when every buffer is fresh; the heap reuses freed ones (what V8 keeps alive varies).
  assert.ok(withIt < without * 0.8, `${withIt} vs ${without}`);
});
