/**
 * Real third-party data lives in ../shared/realdata beside the checkout and is read in place, never copied.
 * A test that needs it skips with a message when it is absent, and fails when CI is set (CI always has it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';

export const realdataRoot = path.resolve(__dirname, '..', '..', '..', 'shared', 'realdata');

export function realdataPath(...parts: string[]): string {
  return path.join(realdataRoot, ...parts);
}

/**
 * Returns the path when it exists. Otherwise skips the test (returns null) — or throws under CI, where a missing
 * shared/ folder means the run is not testing what it claims to.
 */
export function needRealdata(t: TestContext, ...parts: string[]): string | null {
  const p = realdataPath(...parts);
  if (existsSync(p)) return p;
  if (process.env['CI']) throw new Error(`real data missing under CI: ${p}`);
  t.skip(`real data not found at ${p} (../shared/realdata is absent)`);
  return null;
}
