// Activation stays light: the bundled extension activates without loading ONNX Runtime or SQLite (both live in
// the engine process, started on first need). Speed itself is measured by `npm run bench` (bench/activation).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const bundle = path.join(root, 'dist', 'extension.js');

test('activating the bundled extension loads neither onnxruntime-node nor better-sqlite3', {
  skip: !existsSync(bundle) && 'run npm run build first',
}, () => {
  // A child process: require.cache must start empty of everything the test runner itself loaded.
  const script = `
    const { activateBundled } = require(${JSON.stringify(path.join(root, 'test', 'helpers', 'vscodeStub.ts'))});
    const a = activateBundled(${JSON.stringify(bundle)}, ${JSON.stringify(root)}, '/tmp/miniastrolm-activation');
    process.stdout.write(JSON.stringify({ modules: a.modules, ms: a.loadMs + a.activateMs }));
    a.dispose();
    process.exit(0);`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', cwd: root });
  assert.equal(run.status, 0, run.stderr);
  const { modules } = JSON.parse(run.stdout) as { modules: string[] };
  for (const heavy of ['onnxruntime-node', 'onnxruntime-common', 'better-sqlite3']) {
    assert.ok(!modules.includes(heavy), `${heavy} loaded at activation (${modules.join(', ')})`);
  }
});
