// scripts/nativeBinary.mjs reads a native module's target from its header and its Node ABI from its exported
// symbol: checked on the real binaries in node_modules (onnxruntime-node ships all five platforms' bindings).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { describeNativeBinary } from '../../scripts/nativeBinary.mjs';
import { repoRoot } from '../helpers/vsix';

const ortBin = path.join(repoRoot, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');

for (const [platform, arch] of [
  ['linux', 'x64'],
  ['linux', 'arm64'],
  ['darwin', 'arm64'],
  ['win32', 'x64'],
  ['win32', 'arm64'],
] as const) {
  test(`onnxruntime-node's ${platform}-${arch} binding reads as ${platform}-${arch}, N-API (no Node ABI)`, () => {
    const file = path.join(ortBin, platform, arch, 'onnxruntime_binding.node');
    assert.ok(existsSync(file), `${file} missing: onnxruntime-node changed its layout`);
    assert.deepEqual(describeNativeBinary(file), { platform, arch, modules: null });
  });
}

test("better-sqlite3's binary reads as this machine's platform and this Node's ABI (npm ci compiled it)", () => {
  const file = path.join(
    repoRoot,
    'node_modules',
    'better-sqlite3',
    'build',
    'Release',
    'better_sqlite3.node',
  );
  assert.deepEqual(describeNativeBinary(file), {
    platform: process.platform,
    arch: process.arch,
    modules: process.versions.modules,
  });
});

test('a file that is no executable reads as unknown', () => {
  assert.deepEqual(describeNativeBinary(path.join(repoRoot, 'package.json')), {
    platform: null,
    arch: null,
    modules: null,
  });
});
