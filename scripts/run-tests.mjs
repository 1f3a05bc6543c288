// Runs every test/**/*.test.ts with Node's own test runner (TypeScript through tsx).
// Node 20's --test takes no globs, so the files are listed here. Extra arguments filter by path substring.
// Set-up first: the extension-host test needs Chromium, which scripts/ensureChromium.ts installs when it is
// missing (root with apt-get) or says how to get (so `npm ci && npm test` is all a fresh machine needs).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const needsChromium =
  files.some((f) => f.includes('extension-host')) && process.env.MINIASTROLM_SKIP_EXTENSION_HOST !== '1';
const chromium = needsChromium
  ? spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ensureChromium.ts'], { stdio: 'inherit' })
  : { status: 0 };
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
if (chromium.status !== 0) {
  console.error('\nThe extension-host test had no Chromium: see the set-up message at the top of this run.');
}
process.exit(result.status ?? 1);
