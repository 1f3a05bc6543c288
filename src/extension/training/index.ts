/**
 * Training in the editor, wired once from activate(): the live runs (one trainer child process at a time), the
 * `miniastrolm` task type, the status bar item of a live run, the dashboard, the tree of runs and the diagnostics
 * on a refused config. The commands that use them are in commands/trainingCommands.ts.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { resolveEngineNode } from '../nodeRuntime';
import { TrainConfigDiagnostics } from './configDiagnostics';
import { TrainingDashboard } from './dashboard';
import { isLive, outcomeText, statusBarText } from './runSummary';
import { RunsTreeProvider } from './runsTree';
import { TrainingRuns, trainArguments } from './trainingRuns';
import { TASK_TYPE, type TrainTaskDeps, TrainTaskProvider } from './trainTask';

export interface TrainingServices {
  runs: TrainingRuns;
  dashboard: TrainingDashboard;
  runsTree: RunsTreeProvider;
  runsView: vscode.TreeView<unknown>;
  diagnostics: TrainConfigDiagnostics;
  /** What a training task needs: the runs, the Node.js and CLI to start, the config error locator. */
  taskDeps: TrainTaskDeps;
}

export const RUNS_VIEW = 'miniastrolm.runs';
export const LIVE_CONTEXT_KEY = 'miniastrolm.trainingLive';
const RESUME = 'Resume training';
const DASHBOARD = 'Open dashboard';

export function registerTraining(
  context: vscode.ExtensionContext,
  log: vscode.OutputChannel,
): TrainingServices {
  const runs = new TrainingRuns();
  const diagnostics = new TrainConfigDiagnostics(runs);
  const cli = path.join(context.extensionPath, 'dist', 'cli.js');
  const taskDeps: TrainTaskDeps = {
    runs,
    launch: async () => {
      const node = await resolveEngineNode(context, log);
      return node ? { node, cli } : undefined;
    },
    locate: (file, message) => diagnostics.locate(file, message),
  };
  const dashboard = new TrainingDashboard(context.extensionUri, runs, {
    resume: async () => vscode.commands.executeCommand('miniastrolm.resumeTraining'),
    log: (line) => log.appendLine(line),
  });
  const runsTree = new RunsTreeProvider(runs);
  const runsView = vscode.window.createTreeView(RUNS_VIEW, { treeDataProvider: runsTree });

  const status = vscode.window.createStatusBarItem(
    'miniastrolm.training',
    vscode.StatusBarAlignment.Left,
    10,
  );
  status.name = 'MiniAstroLM training';
  status.command = 'miniastrolm.openTrainingDashboard';
  let wasLive = false;
  const subscription = runs.subscribe({
    change: (run) => {
      const live = isLive(run.summary);
      if (live) {
        status.text = statusBarText(run.summary);
        status.tooltip = `MiniAstroLM training (${run.summary.outputDir ?? run.request.configFile}): click for the dashboard`;
        status.show();
      } else {
        status.hide();
      }
      if (live !== wasLive) void vscode.commands.executeCommand('setContext', LIVE_CONTEXT_KEY, live);
      if (live && !wasLive) log.appendLine(`training: ${cli} ${trainArguments(run.request).join(' ')}`);
      wasLive = live;
    },
    exit: (run) => {
      const text = outcomeText(run.summary);
      log.appendLine(`training ${run.id} ended (exit ${run.summary.exitCode ?? 'by signal'}): ${text}`);
      if (run.summary.state === 'completed') {
        void vscode.window.showInformationMessage(`MiniAstroLM: ${text}`, DASHBOARD).then((choice) => {
          if (choice === DASHBOARD) dashboard.show();
        });
      } else if (run.summary.state === 'stopped') {
        const buttons = run.summary.lastCheckpoint ? [RESUME] : [];
        void vscode.window.showInformationMessage(`MiniAstroLM: ${text}`, ...buttons).then((choice) => {
          if (choice === RESUME) void vscode.commands.executeCommand('miniastrolm.resumeTraining');
        });
      } else if (run.summary.exitCode !== 3) {
        // A refused config (exit 3) is reported by the diagnostics, pointing at the key.
        void vscode.window.showErrorMessage(`MiniAstroLM: ${text}`);
      }
    },
  });

  context.subscriptions.push(
    runs,
    diagnostics,
    dashboard,
    runsTree,
    runsView,
    status,
    subscription,
    vscode.tasks.registerTaskProvider(TASK_TYPE, new TrainTaskProvider(taskDeps)),
  );
  return { runs, dashboard, runsTree, runsView: runsView as vscode.TreeView<unknown>, diagnostics, taskDeps };
}
