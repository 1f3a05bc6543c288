// The test set-up that gets Chromium for the extension-host test: the decision from the facts, and the real
// script in child processes whose PATH holds only what each case needs (this machine's own Chromium stays out of
// sight): a fake apt-get that "installs" chromium by writing it, a missing apt-get, and a non-root user.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { type ChromiumFacts, findChromium, planChromium } from '../../scripts/ensureChromium';
import { tempDir } from '../helpers/tmp';

const script = path.resolve(__dirname, '..', '..', 'scripts', 'ensureChromium.ts');
const linux: ChromiumFacts = { found: null, isRoot: true, hasAptGet: true, platform: 'linux' };

test('the plan: found → nothing; root with apt-get → install Debian chromium; else say what to run', () => {
  assert.deepEqual(planChromium({ ...linux, found: '/usr/bin/chromium' }), {
    action: 'found',
    path: '/usr/bin/chromium',
  });
  assert.deepEqual(planChromium(linux), {
    action: 'install',
    commands: [
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', 'chromium'],
    ],
  });
  const notRoot = planChromium({ ...linux, isRoot: false });
  assert.equal(notRoot.action, 'instruct');
  assert.match(
    notRoot.action === 'instruct' ? notRoot.message : '',
    /sudo apt-get update && sudo apt-get install -y chromium/,
  );
  for (const facts of [
    { ...linux, hasAptGet: false },
    { ...linux, platform: 'darwin' as const },
  ]) {
    const plan = planChromium(facts);
    assert.equal(plan.action, 'instruct');
    assert.match(plan.action === 'instruct' ? plan.message : '', /CHROMIUM_PATH/);
  }
});

test('findChromium: CHROMIUM_PATH first, then chromium, chromium-browser, Chrome on PATH', (t) => {
  const dir = tempDir(t);
  const exists = (f: string) =>
    f === path.join(dir, 'chromium-browser') || f === path.join(dir, 'google-chrome');
  assert.equal(findChromium({ PATH: dir }, exists), path.join(dir, 'chromium-browser'));
  assert.equal(findChromium({ PATH: dir, CHROMIUM_PATH: '/opt/chrome' }, exists), '/opt/chrome');
  assert.equal(findChromium({ PATH: '' }, exists), null);
});

/** A bin folder holding only `node` (and whatever a case adds). */
function isolatedBin(dir: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  return bin;
}

function runScript(bin: string, extraArgs: string[] = [], uid?: number) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...extraArgs], {
    env: { PATH: bin, HOME: path.dirname(bin) },
    encoding: 'utf8',
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
}

const skipUnlessRootLinux =
  (process.platform !== 'linux' || process.getuid?.() !== 0) && 'needs root on Linux';

test('as root with apt-get: runs apt-get update, then install -y chromium, noninteractive, then finds it', {
  skip: skipUnlessRootLinux,
}, (t) => {
  const bin = isolatedBin(tempDir(t));
  const calls = path.join(bin, 'calls.log');
  // A fake apt-get: logs its arguments and DEBIAN_FRONTEND; "install" puts a chromium on PATH.
  writeFileSync(
    path.join(bin, 'apt-get'),
    `#!/bin/sh\necho "$* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> ${calls}\n` +
      `if [ "$1" = install ]; then printf '#!/bin/sh\\n' > ${bin}/chromium; /bin/chmod +x ${bin}/chromium; fi\n`,
  );
  chmodSync(path.join(bin, 'apt-get'), 0o755);
  const dry = runScript(bin, ['--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(JSON.parse(dry.stdout).action, 'install');
  assert.ok(!existsSync(calls), 'a dry run ran apt-get');

  const run = runScript(bin);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
    'update DEBIAN_FRONTEND=noninteractive',
    'install -y chromium DEBIAN_FRONTEND=noninteractive',
  ]);
  assert.match(run.stderr, new RegExp(`Chromium installed: ${path.join(bin, 'chromium')}`));
  const again = runScript(bin);
  assert.equal(again.status, 0);
  assert.equal(again.stderr, '', 'found: nothing to do, nothing said');
});

test('when apt-get fails, or is absent, or we are not root: exit 1 and the exact command to run', {
  skip: skipUnlessRootLinux,
}, (t) => {
  const dir = tempDir(t);
  const bin = isolatedBin(dir);
  const noApt = runScript(bin);
  assert.equal(noApt.status, 1);
  assert.match(noApt.stderr, /Install Chromium or Google Chrome .* CHROMIUM_PATH/);

  writeFileSync(path.join(bin, 'apt-get'), '#!/bin/sh\necho "E: Could not get lock" >&2\nexit 100\n');
  chmodSync(path.join(bin, 'apt-get'), 0o755);
  const failed = runScript(bin);
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /apt-get update failed \(exit 100\)/);

  // The same machine as an ordinary user (nobody): told to use sudo; apt-get is not run.
  chmodSync(dir, 0o755);
  const notRoot = runScript(bin, [], 65534);
  assert.equal(notRoot.status, 1, notRoot.stderr);
  assert.match(notRoot.stderr, /sudo apt-get update && sudo apt-get install -y chromium/);
  assert.doesNotMatch(notRoot.stderr, /Could not get lock/);
});
