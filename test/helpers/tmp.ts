/** Temporary folders that are removed when the test ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext, prefix = 'miniastrolm-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  // Retries: a child process that is still exiting may write one last file while the folder is removed.
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
  return dir;
}
