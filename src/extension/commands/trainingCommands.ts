/**
 * The training commands: "Train student" and "Resume training" (each starts the `miniastrolm` task, so the run
 * lives in the terminal panel), "Open training dashboard", "Stop training", and the tree of runs' actions:
 * explain with a checkpoint (it becomes miniastrolm.studentModel, so hovers and the panel use it), export it
 * for inference (`miniastrolm export-model`), delete it.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { readTrainingSettings, workspaceFolder } from '../settings';
import { modelFolderOf, type RunsNode } from '../training/runsTree';
import { TASK_TYPE, type TrainTaskDefinition, trainTask } from '../training/trainTask';
import { reportOutcome } from './report';

/** What a caller (the walkthrough, a test, a keybinding) may pass to "Train student" / "Resume training". */
export interface TrainCommandArgs {
  /** The training config, relative to the workspace folder or absolute; default miniastrolm.trainConfig. */
  config?: string;
  /** The run's folder, overriding the config's outputDir. */
  out?: string;
}

const CREATE_DEFAULT = 'Create from the default';
const CHOOSE_FILE = 'Choose a file…';

/** `file` as the setting or task shows it: relative to the workspace folder when inside it. */
function workspaceRelative(file: string, folder: string): string {
  const inside = path.relative(folder, file);
  return inside.startsWith('..') || path.isAbsolute(inside) ? file : inside.split(path.sep).join('/');
}

/** The config to train with, after offering to create or choose one when the setting names no file. */
async function configToUse(
  s: Services,
  folder: string,
  given: string | undefined,
): Promise<string | undefined> {
  const file = path.resolve(folder, given ?? readTrainingSettings().configFile);
  if (existsSync(file)) return file;
  const choice = await vscode.window.showWarningMessage(
    `MiniAstroLM: no training config at ${vscode.workspace.asRelativePath(file)}. Create it from the default ` +
      '(GPT-2 124M on data/curated.jsonl, the file "Export dataset" writes), or choose another YAML file?',
    CREATE_DEFAULT,
    CHOOSE_FILE,
  );
  if (choice === CREATE_DEFAULT) {
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync(path.join(s.context.extensionPath, 'configs', 'student_train.yaml'), file);
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    void vscode.window.showInformationMessage(
      'MiniAstroLM: review the config (every key is documented in it), then run "Train student" again.',
    );
    return undefined;
  }
  if (choice === CHOOSE_FILE) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'Training config (YAML)': ['yaml', 'yml'] },
      title: 'Training config',
    });
    const chosen = picked?.[0]?.fsPath;
    if (!chosen) return undefined;
    await vscode.workspace
      .getConfiguration('miniastrolm')
      .update('trainConfig', workspaceRelative(chosen, folder), vscode.ConfigurationTarget.Workspace);
    return chosen;
  }
  return undefined;
}

/** Starts the training task; resolves with its execution (undefined when nothing was started). */
async function startTraining(
  s: Services,
  resume: boolean,
  args: TrainCommandArgs = {},
): Promise<vscode.TaskExecution | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder)
    throw new Error('Open a workspace folder first: training runs in it (its config, data and runs).');
  const { runs, dashboard, taskDeps } = s.training;
  if (runs.live) {
    dashboard.show();
    void vscode.window.showInformationMessage(
      `MiniAstroLM: a training run is live (${runs.describeLive()}).`,
    );
    return undefined;
  }
  // Resume what this session stopped, unless told otherwise.
  const last = runs.run;
  const lastStopped = resume && !args.config && last && ['stopped', 'failed'].includes(last.summary.state);
  const config = lastStopped ? last.request.configFile : await configToUse(s, folder.uri.fsPath, args.config);
  if (!config) return undefined;
  const out = args.out ?? (lastStopped ? (last.summary.outputDir ?? last.request.outputDir) : undefined);
  const definition: TrainTaskDefinition = {
    type: TASK_TYPE,
    command: 'train',
    config: workspaceRelative(config, folder.uri.fsPath),
    ...(resume ? { resume: true } : {}),
    ...(out ? { out: workspaceRelative(path.resolve(folder.uri.fsPath, out), folder.uri.fsPath) } : {}),
  };
  return vscode.tasks.executeTask(trainTask(definition, folder, taskDeps));
}

export const trainStudent = (s: Services) => (args?: TrainCommandArgs) => startTraining(s, false, args);
export const resumeTraining = (s: Services) => (args?: TrainCommandArgs) => startTraining(s, true, args);

export const openTrainingDashboard = (s: Services) => async () => s.training.dashboard.show();

export const stopTraining = (s: Services) => async () => {
  if (!s.training.runs.stop())
    void vscode.window.showInformationMessage('MiniAstroLM: no training run is live.');
};

export const refreshRuns = (s: Services) => async () => s.training.runsTree.refresh();

function checkedModelFolder(node: RunsNode | undefined): { dir: string; label: string } {
  const target = node && modelFolderOf(node);
  if (!target) {
    throw new Error(
      'Choose a run or a finished checkpoint in the Training runs view (an unfinished save has no weights).',
    );
  }
  return target;
}

async function useAsStudent(dir: string, label: string): Promise<void> {
  const folder = workspaceFolder() ?? '';
  const value = folder ? workspaceRelative(dir, folder) : dir;
  await vscode.workspace
    .getConfiguration('miniastrolm')
    .update('studentModel', value, vscode.ConfigurationTarget.Workspace);
  void vscode.window.showInformationMessage(
    `MiniAstroLM: explanations now use ${label} (miniastrolm.studentModel = ${value}).`,
  );
}

/** "Explain with this checkpoint": it becomes the workspace's student (hovers, CodeLens, the panel). */
export const explainWithCheckpoint = (_s: Services) => async (node?: RunsNode) => {
  const target = checkedModelFolder(node);
  await useAsStudent(target.dir, target.label);
};

const USE_EXPORT = 'Explain with the export';

/** "Export": `miniastrolm export-model` into a folder the user confirms (default .miniastrolm/exports/…). */
export const exportCheckpoint = (s: Services) => async (node?: RunsNode) => {
  const target = checkedModelFolder(node);
  const folder = workspaceFolder();
  if (!folder) throw new Error('Open a workspace folder first.');
  const name =
    node?.kind === 'checkpoint' ? `${node.run.name}-${node.checkpoint.name}` : path.basename(target.dir);
  const answer = await vscode.window.showInputBox({
    title: `Export ${target.label} for inference`,
    prompt:
      'Folder for the export (a Hugging Face / transformers.js model folder: onnx/, tokenizer, settings), relative to the workspace folder',
    value: `.miniastrolm/exports/${name}`,
    validateInput: (text) => (text.trim() ? null : 'A folder is needed.'),
  });
  if (!answer?.trim()) return;
  const out = path.resolve(folder, answer.trim());
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Exporting ${target.label}`, cancellable: true },
    (_progress, token) =>
      s.runner.run(['export-model', '--model', target.dir, '--out', out], () => {}, token),
  );
  if (outcome.code !== 0 || !outcome.result) {
    reportOutcome(outcome, () => '');
    return;
  }
  const choice = await vscode.window.showInformationMessage(
    `MiniAstroLM: exported ${target.label} to ${vscode.workspace.asRelativePath(out)}.`,
    USE_EXPORT,
  );
  if (choice === USE_EXPORT) await useAsStudent(out, vscode.workspace.asRelativePath(out));
};

const DELETE = 'Delete';

/** "Delete": a run or a checkpoint folder, after a modal confirmation; never the folder training writes now. */
export const deleteRunFolder = (s: Services) => async (node?: RunsNode) => {
  if (!node) throw new Error('Choose a run or a checkpoint in the Training runs view.');
  const dir = node.kind === 'run' ? node.run.dir : node.checkpoint.dir;
  const label = node.kind === 'run' ? `the run ${node.run.name}` : `${node.run.name}/${node.checkpoint.name}`;
  if (s.training.runsTree.isLive(dir)) {
    void vscode.window.showWarningMessage(
      `MiniAstroLM: training is writing into ${vscode.workspace.asRelativePath(dir)}; stop it before deleting.`,
    );
    return;
  }
  const choice = await vscode.window.showWarningMessage(
    `Delete ${label}?`,
    { modal: true, detail: `${dir} and everything in it will be removed. This cannot be undone.` },
    DELETE,
  );
  if (choice !== DELETE) return;
  await rm(dir, { recursive: true, force: true });
  s.training.runsTree.refresh();
};
