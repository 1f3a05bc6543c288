/**
 * Runs this benchmark in a child process with the C allocator set as the editor's training process has it
 * (src/student/train/mallocEnv.ts), so the step measured is the step users get. Returns false in the child.
 */
import { spawnSync } from 'node:child_process';
import { trainingProcessEnv } from '../src/student/train/mallocEnv';

export function relaunchedWithTrainingMalloc(): boolean {
  const env = trainingProcessEnv(process.env);
  if (env === process.env) return false;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env,
  });
  process.exitCode = child.status ?? 1;
  return true;
}
