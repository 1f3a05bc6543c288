/**
 * The tree of runs (view `miniastrolm.runs` in the MiniAstroLM activity-bar container): each run under the runs
 * folder (setting miniastrolm.runsFolder) with its checkpoint-N folders, their step and loss. It refreshes when a
 * checkpoint is finished or a folder removed (a watcher, so runs started from a terminal show too) and as the live
 * run writes checkpoints. Its context actions are commands (commands/trainingCommands.ts).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { readTrainingSettings } from '../settings';
import {
  type CheckpointSummary,
  checkpointDescription,
  listRuns,
  newestComplete,
  type RunFolder,
} from './runsFolder';
import type { TrainingRuns } from './trainingRuns';

export type RunsNode =
  | { kind: 'run'; run: RunFolder }
  | { kind: 'checkpoint'; run: RunFolder; checkpoint: CheckpointSummary };

export const RUN_CONTEXT = 'miniastrolm.run';
export const CHECKPOINT_CONTEXT = 'miniastrolm.checkpoint';
export const PARTIAL_CONTEXT = 'miniastrolm.checkpoint.partial';

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private watcher: vscode.Disposable | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly runs: TrainingRuns) {
    this.watch();
    this.disposables.push(
      runs.subscribe({
        event: (_run, event) => {
          if (event.type === 'checkpoint' || event.type === 'start') this.refreshSoon();
        },
        change: () => this.refreshSoon(),
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('miniastrolm.runsFolder')) {
          this.watch();
          this.refresh();
        }
      }),
    );
  }

  get root(): string {
    return readTrainingSettings().runsFolder;
  }

  private watch(): void {
    this.watcher?.dispose();
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(this.root), '**/{DONE,checkpoint-*}'),
    );
    const deleted = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(this.root), '**'),
      true,
      true,
      false,
    );
    this.watcher = vscode.Disposable.from(
      watcher,
      deleted,
      watcher.onDidCreate(() => this.refreshSoon()),
      watcher.onDidDelete(() => this.refreshSoon()),
      deleted.onDidDelete(() => this.refreshSoon()),
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** One refresh for a burst of file events (a checkpoint is several files). */
  private refreshSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 200);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return listRuns(this.root).map((run) => ({ kind: 'run', run }));
    if (node.kind === 'run') {
      return [...node.run.checkpoints]
        .reverse()
        .map((checkpoint) => ({ kind: 'checkpoint', run: node.run, checkpoint }));
    }
    return [];
  }

  /** Whether the live run writes into `dir` (its run folder, or a folder inside it). */
  isLive(dir: string): boolean {
    const out = this.runs.run?.summary.outputDir ?? this.runs.run?.request.outputDir;
    if (!this.runs.live || !out) return false;
    const inside = path.relative(path.resolve(out), path.resolve(dir));
    return !inside.startsWith('..') && !path.isAbsolute(inside);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'run') {
      const item = new vscode.TreeItem(node.run.name, vscode.TreeItemCollapsibleState.Expanded);
      const newest = newestComplete(node.run);
      const count = node.run.checkpoints.length;
      const live = this.isLive(node.run.dir);
      item.description = [
        live ? 'training now' : null,
        `${count} checkpoint${count === 1 ? '' : 's'}`,
        newest?.loss != null ? `loss ${newest.loss.toFixed(4)}` : null,
      ]
        .filter(Boolean)
        .join(' · ');
      item.tooltip = new vscode.MarkdownString(
        `**${node.run.name}**\n\n${node.run.dir}\n\nExplain with and Export use its newest finished checkpoint${newest ? ` (step ${newest.step})` : ''}.`,
      );
      item.iconPath = new vscode.ThemeIcon(live ? 'sync~spin' : 'beaker');
      item.contextValue = RUN_CONTEXT;
      item.resourceUri = vscode.Uri.file(node.run.dir);
      item.id = `run:${node.run.dir}`;
      return item;
    }
    const { checkpoint } = node;
    const item = new vscode.TreeItem(checkpoint.name, vscode.TreeItemCollapsibleState.None);
    item.description = checkpointDescription(checkpoint);
    item.tooltip = `${checkpoint.dir}\n${item.description}`;
    item.iconPath = new vscode.ThemeIcon(checkpoint.done ? 'save' : 'warning');
    item.contextValue = checkpoint.done ? CHECKPOINT_CONTEXT : PARTIAL_CONTEXT;
    item.id = `checkpoint:${checkpoint.dir}`;
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * The model folder a tree action works on: a finished checkpoint, or a run's folder (which the explainer and
 * export-model read as its newest finished checkpoint). Null for an unfinished save.
 */
export function modelFolderOf(node: RunsNode): { dir: string; label: string } | null {
  if (node.kind === 'checkpoint') {
    return node.checkpoint.done
      ? { dir: node.checkpoint.dir, label: `${node.run.name}/${node.checkpoint.name}` }
      : null;
  }
  const newest = newestComplete(node.run);
  return newest ? { dir: node.run.dir, label: `${node.run.name} (newest: ${newest.name})` } : null;
}
