/**
 * The names in a training run's folder: `checkpoint-<step>/` folders, the `DONE` marker that makes one complete,
 * and its trainer_state.json. Kept apart from checkpoint.ts (which reads and writes the tensors) so that whatever
 * only lists a run's checkpoints (the editor's tree of runs) needs nothing else.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const CHECKPOINT_PREFIX = 'checkpoint-';
export const DONE_FILE = 'DONE';
export const STATE_FILE = 'trainer_state.json';

export interface CheckpointInfo {
  step: number;
  dir: string;
  done: boolean;
}

const NAME = new RegExp(`^${CHECKPOINT_PREFIX}(\\d+)$`);

export function checkpointDir(outputDir: string, step: number): string {
  return path.join(outputDir, `${CHECKPOINT_PREFIX}${step}`);
}

/** Every checkpoint-<step> folder, complete or not, by ascending step. */
export function listCheckpoints(outputDir: string): CheckpointInfo[] {
  if (!existsSync(outputDir)) return [];
  const found: CheckpointInfo[] = [];
  for (const entry of readdirSync(outputDir, { withFileTypes: true })) {
    const match = entry.isDirectory() ? NAME.exec(entry.name) : null;
    if (!match) continue;
    const dir = path.join(outputDir, entry.name);
    found.push({ step: Number(match[1]), dir, done: existsSync(path.join(dir, DONE_FILE)) });
  }
  return found.sort((a, b) => a.step - b.step);
}

/** The newest checkpoint with its DONE marker; partial folders are skipped. */
export function latestCheckpoint(outputDir: string): CheckpointInfo | null {
  const done = listCheckpoints(outputDir).filter((c) => c.done);
  return done.at(-1) ?? null;
}
