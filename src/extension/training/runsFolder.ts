/**
 * The runs folder as the tree of runs shows it: each run (a folder holding checkpoint-<step> folders) with its
 * checkpoints, and for each checkpoint its step, whether it is complete (its DONE marker) and the training and eval
 * loss its trainer_state.json recorded. A few small files per run, read synchronously (well under a frame).
 * No `vscode` here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TrainerState } from '../../student/train/checkpoint';
import { type CheckpointInfo, listCheckpoints, STATE_FILE } from '../../student/train/checkpointFolders';
import type { RunHistory } from './runSummary';

export interface CheckpointSummary extends CheckpointInfo {
  name: string;
  /** The training loss of the checkpoint's last step, when its state file recorded one. */
  loss: number | null;
  evalLoss: number | null;
  /** The run's planned length when it was saved. */
  totalSteps: number | null;
}

export interface RunFolder {
  name: string;
  dir: string;
  /** By ascending step. */
  checkpoints: CheckpointSummary[];
}

type StateFields = Pick<TrainerState, 'step' | 'totalSteps' | 'lossHistory' | 'evalHistory'>;

function readState(dir: string): Partial<StateFields> {
  try {
    return JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as Partial<StateFields>;
  } catch {
    return {}; // a checkpoint being written, or not ours: listed without numbers
  }
}

/** What came before a resumed run, from the checkpoint it resumed from (empty when unreadable). */
export function readRunHistory(checkpointDir: string): RunHistory {
  const state = readState(checkpointDir);
  return { steps: state.lossHistory ?? [], evals: state.evalHistory ?? [] };
}

export function describeCheckpoint(info: CheckpointInfo): CheckpointSummary {
  const state = readState(info.dir);
  const lastLoss = state.lossHistory?.filter((p) => p.step <= info.step).at(-1);
  const lastEval = state.evalHistory?.filter((p) => p.step <= info.step).at(-1);
  return {
    ...info,
    name: path.basename(info.dir),
    loss: typeof lastLoss?.loss === 'number' ? lastLoss.loss : null,
    evalLoss: typeof lastEval?.evalLoss === 'number' ? lastEval.evalLoss : null,
    totalSteps: typeof state.totalSteps === 'number' ? state.totalSteps : null,
  };
}

/** The runs under `root` (its subfolders holding checkpoints, and `root` itself when it holds some), by name. */
export function listRuns(root: string): RunFolder[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) return [];
  const folders = [
    root,
    ...readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => path.join(root, entry.name))
      .sort(),
  ];
  const runs: RunFolder[] = [];
  for (const dir of folders) {
    const checkpoints = listCheckpoints(dir).map(describeCheckpoint);
    if (checkpoints.length > 0) runs.push({ name: path.basename(dir), dir, checkpoints });
  }
  return runs;
}

const fixed = (x: number | null) => (x === null ? null : x.toFixed(4));

/** The short text beside a checkpoint in the tree: "step 150 · loss 0.0041 · eval 1.2345", "unfinished save". */
export function checkpointDescription(checkpoint: CheckpointSummary): string {
  if (!checkpoint.done) return 'unfinished save (ignored by resume)';
  const parts = [
    checkpoint.totalSteps === null
      ? `step ${checkpoint.step}`
      : `step ${checkpoint.step}/${checkpoint.totalSteps}`,
  ];
  const loss = fixed(checkpoint.loss);
  if (loss) parts.push(`loss ${loss}`);
  const evalLoss = fixed(checkpoint.evalLoss);
  if (evalLoss) parts.push(`eval ${evalLoss}`);
  return parts.join(' · ');
}

/** The newest complete checkpoint of a run: what "explain with" and "export" use for a run. */
export function newestComplete(run: RunFolder): CheckpointSummary | null {
  return run.checkpoints.filter((c) => c.done).at(-1) ?? null;
}
