// The allocator settings for training processes: on Linux large freed blocks stay in the heap (no page faults
// each step) and the heap sits on transparent huge pages; a user's own settings and other platforms are left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  allocatorAdvice,
  GLIBC_TUNABLES,
  MALLOC_MMAP_THRESHOLD,
  trainingProcessEnv,
} from '../../../src/student/train/mallocEnv';

/** Minor page faults taken by `script` (which prints them) in a node process with `env`. */
function faultsOf(script: string, env: NodeJS.ProcessEnv): number {
  const run = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout.trim());
}

/** process.env without the allocator settings, for a baseline. */
function plainEnv(): NodeJS.ProcessEnv {
  const { [MALLOC_MMAP_THRESHOLD]: _m, [GLIBC_TUNABLES]: _t, ...plain } = process.env;
  return plain;
}

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

test('Linux training processes ask glibc for huge pages, keeping the tunables a user set', () => {
  assert.equal(trainingProcessEnv({}, 'linux')[GLIBC_TUNABLES], 'glibc.malloc.hugetlb=1');
  assert.equal(
    trainingProcessEnv({ [GLIBC_TUNABLES]: 'glibc.malloc.arena_max=2' }, 'linux')[GLIBC_TUNABLES],
    'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
  );
  const own = { [GLIBC_TUNABLES]: 'glibc.malloc.hugetlb=0', [MALLOC_MMAP_THRESHOLD]: '65536' };
  assert.equal(trainingProcessEnv(own, 'linux'), own, 'nothing to add: the same environment back');
  assert.equal(trainingProcessEnv({}, 'darwin')[GLIBC_TUNABLES], undefined);
});

test('the CLI advice names exactly the settings missing, with the tunables a user already has', () => {
  assert.equal(allocatorAdvice({}, 'darwin'), null);
  assert.equal(allocatorAdvice(trainingProcessEnv({}, 'linux'), 'linux'), null);
  const advice = allocatorAdvice(
    { [MALLOC_MMAP_THRESHOLD]: '65536', [GLIBC_TUNABLES]: 'glibc.malloc.arena_max=2' },
    'linux',
  );
  assert.match(
    String(advice),
    /export GLIBC_TUNABLES=glibc\.malloc\.arena_max=2:glibc\.malloc\.hugetlb=1 before/,
  );
  assert.doesNotMatch(String(advice), /MALLOC_MMAP_THRESHOLD_/);
});

test('with the hugetlb tunable, filling four 64 MB buffers takes a fraction of the page faults (2 MiB pages)', (t) => {
  if (process.platform !== 'linux') return t.skip('glibc only');
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime;
  const [major = 0, minor = 0] = (glibc ?? '0.0').split('.').map(Number);
  if (major < 2 || (major === 2 && minor < 35)) return t.skip(`glibc ${glibc ?? '?'} has no hugetlb tunable`);
  const thp = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
  if (thp.includes('[never]')) return t.skip('transparent huge pages are off on this machine');
  const script = `
    const before = process.resourceUsage().minorPageFault;
    const keep = [];
    for (let i = 0; i < 4; i++) { const b = Buffer.allocUnsafeSlow(64 * 2 ** 20); b.fill(1); keep.push(b); }
    console.log(process.resourceUsage().minorPageFault - before);`;
  const plain = plainEnv();
  const thresholdOnly = faultsOf(script, { ...plain, [MALLOC_MMAP_THRESHOLD]: String(2 ** 32) });
  const withBoth = faultsOf(script, trainingProcessEnv(plain));
  t.diagnostic(`minor page faults: ${thresholdOnly} with 4 KiB pages, ${withBoth} with huge pages`);
  // 4 × 16,384 pages of 4 KiB; 4 × 32 of 2 MiB (plus what the kernel could not back with a huge page).
  assert.ok(withBoth < thresholdOnly * 0.25, `${withBoth} vs ${thresholdOnly}`);
});

test('with the mmap threshold, reallocating 64 MB buffers faults in far fewer fresh pages (glibc)', (t) => {
  if (process.platform !== 'linux') return t.skip('glibc only');
  // Ten 64 MB buffers, each freed before the next: mmap'd blocks fault in every page every time.
  const script = `
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 10; i++) { const b = Buffer.allocUnsafeSlow(64 * 2 ** 20); b.fill(1); }
    console.log(process.resourceUsage().minorPageFault - before);`;
  const plain = plainEnv();
  const without = faultsOf(script, plain);
  const withIt = faultsOf(script, { ...plain, [MALLOC_MMAP_THRESHOLD]: String(2 ** 32) });
  t.diagnostic(`minor page faults: ${without} without, ${withIt} with ${MALLOC_MMAP_THRESHOLD}`);
  // 10 × 16,384 pages when every buffer is fresh; the heap reuses freed ones (what V8 keeps alive varies).
  assert.ok(withIt < without * 0.8, `${withIt} vs ${without}`);
});
