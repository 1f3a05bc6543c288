// findNode on real folders and real child processes: the Node running these tests, and fake `node` executables
// (shell scripts that answer the probe like a Node.js of a chosen version would) laid out as PATH, nvm, fnm, Volta,
// asdf and Program Files put them, in a temporary home.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  describeNoNode,
  findNode,
  type NodeEnvironment,
  nodeCandidates,
  probeNode,
  type RuntimeRequirement,
  readRuntimeRequirement,
  systemFileSystem,
} from '../../src/core/findNode';
import { tempDir } from '../helpers/tmp';

const NODE20: RuntimeRequirement = { modules: '115', node: '20.20.2' };
const skip = process.platform === 'win32' && 'fake executables are POSIX shell scripts';

/** An executable shell script. */
function script(file: string, body: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A `node` that answers the probe as the given versions. */
function fakeNode(file: string, versions: { node: string; modules: string; electron?: string }): string {
  return script(file, `printf '%s' '${JSON.stringify({ electron: null, ...versions })}'`);
}

/** An environment over a temporary home: nothing of the real machine's PATH, nvm or install folders. */
function environment(home: string, overrides: Partial<NodeEnvironment> = {}): NodeEnvironment {
  return {
    setting: '',
    env: { PATH: '' },
    platform: 'linux',
    homedir: home,
    host: { execPath: '/nonexistent/code', electron: '30.0.1' },
    fs: {
      ...systemFileSystem,
      // The real /usr/bin/node etc. would answer too: only files under the temporary home exist here.
      isExecutable: (f) => f.startsWith(home) && systemFileSystem.isExecutable(f),
    },
    probe: probeNode,
    ...overrides,
  };
}

test('on a Remote or code-server host (plain Node), the extension host itself is taken: a real probe', {
  skip,
}, async (t) => {
  const home = tempDir(t);
  const found = await findNode(
    // The real file system: the host comes before every other candidate, whatever this machine has.
    environment(home, { host: { execPath: process.execPath, electron: undefined }, fs: systemFileSystem }),
    { modules: process.versions.modules, node: process.versions.node },
  );
  assert.deepEqual(found.rejected, []);
  assert.equal(found.found?.source, 'extension host');
  assert.equal(found.found?.path, process.execPath);
  assert.deepEqual(found.found?.versions, {
    node: process.versions.node,
    modules: process.versions.modules,
    electron: null,
  });
});

test('the extension host is skipped when it is Electron (desktop VS Code); nvm newest first, first fit wins', {
  skip,
}, async (t) => {
  const home = tempDir(t);
  const nvm = path.join(home, '.nvm', 'versions', 'node');
  fakeNode(path.join(nvm, 'v18.19.0', 'bin', 'node'), { node: '18.19.0', modules: '108' });
  fakeNode(path.join(nvm, 'v22.3.0', 'bin', 'node'), { node: '22.3.0', modules: '127' });
  const fit = fakeNode(path.join(nvm, 'v20.11.1', 'bin', 'node'), { node: '20.11.1', modules: '115' });
  fakeNode(path.join(nvm, 'v20.9.0', 'bin', 'node'), { node: '20.9.0', modules: '115' });
  const result = await findNode(environment(home), NODE20);
  assert.equal(result.found?.path, fit);
  assert.equal(result.found?.source, 'nvm');
  // Only the newer v22 was tried before; v20.9.0 and v18 never ran.
  assert.deepEqual(
    result.rejected.map((r) => [path.relative(nvm, r.path), r.reason]),
    [
      [
        'v22.3.0/bin/node',
        'Node.js 22.3.0 has module ABI 127; the bundled SQLite module (better-sqlite3) was built for ABI 115 (Node.js 20)',
      ],
    ],
  );
});

test('the setting comes first; a setting that does not fit is reported and the search goes on', {
  skip,
}, async (t) => {
  const home = tempDir(t);
  const old = fakeNode(path.join(home, 'opt', 'node18', 'bin', 'node'), { node: '18.20.4', modules: '108' });
  const onPath = fakeNode(path.join(home, 'bin', 'node'), { node: '20.18.0', modules: '115' });
  const env = { PATH: path.join(home, 'bin') };

  const chosen = await findNode(environment(home, { env, setting: old.replace(home, '~') }), NODE20);
  assert.equal(chosen.found?.path, onPath);
  assert.equal(chosen.found?.source, 'PATH');
  assert.deepEqual(chosen.rejected, [
    { path: old, source: 'setting miniastrolm.nodePath', reason: 'Node.js 18.20.4 is older than 20' },
  ]);

  const missing = await findNode(environment(home, { env, setting: path.join(home, 'no', 'node') }), NODE20);
  assert.equal(missing.rejected[0]?.reason, 'not found');
  assert.equal(missing.found?.path, onPath);

  // A bare name is looked up on PATH.
  fakeNode(path.join(home, 'bin', 'node20'), { node: '20.1.0', modules: '115' });
  const byName = await findNode(environment(home, { env, setting: 'node20' }), NODE20);
  assert.equal(byName.found?.path, path.join(home, 'bin', 'node20'));
  assert.equal(byName.found?.source, 'setting miniastrolm.nodePath');
});

test('Electron, a broken binary and something that is not Node are rejected, each with its reason', {
  skip,
}, async (t) => {
  const home = tempDir(t);
  const dirs = ['electron', 'broken', 'other'].map((d) => path.join(home, d));
  fakeNode(path.join(dirs[0]!, 'node'), { node: '20.9.0', modules: '115', electron: '28.2.0' });
  script(path.join(dirs[1]!, 'node'), 'echo "libnode.so.115: cannot open" >&2\nexit 127');
  script(path.join(dirs[2]!, 'node'), 'echo "Usage: node [options]"');
  const result = await findNode(environment(home, { env: { PATH: dirs.join(':') } }), NODE20);
  assert.equal(result.found, null);
  assert.deepEqual(
    result.rejected.map((r) => r.reason),
    [
      "Electron 28.2.0 (an editor's runtime), not Node.js",
      'did not run as Node.js: libnode.so.115: cannot open',
      'did not run as Node.js: answered "Usage: node [options]\\n" instead of its versions',
    ],
  );
});

test('fnm, Volta, asdf and mise folders are searched; one binary reached twice is tried once', {
  skip,
}, async (t) => {
  const home = tempDir(t);
  const fnm = fakeNode(path.join(home, '.local/share/fnm/node-versions/v22.1.0/installation/bin/node'), {
    node: '22.1.0',
    modules: '127',
  });
  const volta = fakeNode(path.join(home, '.volta/tools/image/node/21.7.3/bin/node'), {
    node: '21.7.3',
    modules: '120',
  });
  const asdf = fakeNode(path.join(home, '.asdf/installs/nodejs/19.9.0/bin/node'), {
    node: '19.9.0',
    modules: '111',
  });
  const mise = fakeNode(path.join(home, '.local/share/mise/installs/node/20.12.2/bin/node'), {
    node: '20.12.2',
    modules: '115',
  });
  mkdirSync(path.join(home, 'bin'));
  symlinkSync(asdf, path.join(home, 'bin', 'node')); // asdf's node also on PATH
  const result = await findNode(environment(home, { env: { PATH: path.join(home, 'bin') } }), NODE20);
  assert.deepEqual(
    result.rejected.map((r) => [r.path, r.source]),
    [
      [path.join(home, 'bin', 'node'), 'PATH'],
      [fnm, 'fnm'],
      [volta, 'Volta'],
    ],
  );
  assert.equal(result.found?.path, mise);
  assert.equal(result.found?.source, 'mise');
});

test('Windows: node.exe on PATH (";"-separated), nvm-windows, Program Files', { skip }, async (t) => {
  const home = tempDir(t);
  const programFiles = path.join(home, 'Program Files');
  const nvmHome = path.join(home, 'AppData', 'Roaming', 'nvm');
  const installed = fakeNode(path.join(programFiles, 'nodejs', 'node.exe'), {
    node: '20.10.0',
    modules: '115',
  });
  const nvm = fakeNode(path.join(nvmHome, 'v22.0.0', 'node.exe'), { node: '22.0.0', modules: '127' });
  const onPath = fakeNode(path.join(home, 'tools', 'node.exe'), { node: '18.0.0', modules: '108' });
  const e = environment(home, {
    platform: 'win32',
    env: {
      Path: `${path.join(home, 'tools')};${path.join(home, 'empty')}`,
      NVM_HOME: nvmHome,
      ProgramFiles: programFiles,
    },
  });
  // path.win32 joins with backslashes; map them back for this POSIX file system.
  const posix = { ...e.fs, isExecutable: (f: string) => e.fs.isExecutable(f.replaceAll('\\', '/')) };
  const candidates = nodeCandidates({ ...e, fs: { ...posix, realpath: (f) => f } });
  assert.deepEqual(
    candidates.map((c) => [c.path.replaceAll('\\', '/'), c.source]),
    [
      [onPath, 'PATH'],
      [nvm, 'nvm'],
      [installed, 'install folder'],
    ],
  );
});

test('no Node fits: the message names what is needed and every candidate with its reason', () => {
  const message = describeNoNode(
    {
      found: null,
      rejected: [
        { path: '/usr/bin/node', source: 'PATH', reason: 'Node.js 18.19.0 is older than 20' },
        { path: '/opt/code/code', source: 'setting miniastrolm.nodePath', reason: 'not found' },
      ],
    },
    NODE20,
  );
  assert.equal(
    message,
    'MiniAstroLM runs its engine on Node.js 20 (module ABI 115) and found none that fits. Found: /usr/bin/node ' +
      '(PATH): Node.js 18.19.0 is older than 20; /opt/code/code (setting miniastrolm.nodePath): not found. ' +
      'Install Node.js 20, or set miniastrolm.nodePath to one.',
  );
  assert.match(
    describeNoNode({ found: null, rejected: [] }, { modules: null, node: null }),
    /No Node\.js was found.*Install Node\.js 20 or later/,
  );
});

test('dist/runtime.json is read as the requirement; without one, any Node ≥ 20 is taken', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'runtime.json');
  assert.deepEqual(readRuntimeRequirement(file), { modules: null, node: null });
  writeFileSync(file, JSON.stringify({ modules: '127', node: '22.4.0', platform: 'linux', arch: 'x64' }));
  assert.deepEqual(readRuntimeRequirement(file), { modules: '127', node: '22.4.0' });
});
