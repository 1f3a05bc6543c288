/**
 * Training from the editor, in the real extension host: the `miniastrolm` tasks in "Run Task" (the provider's and
 * one declared in tasks.json), a run to completion through vscode.tasks.executeTask and the task's end event, the
 * dashboard opened mid-run (the events so far, then the rest, no CSP violation), a task terminated mid-run that
 * leaves a checkpoint and "Resume training" finishing it on the same weights, a config with a wrong key (the
 * message names it, a diagnostic sits on its line and goes once fixed), and the tree of runs with its actions.
 * Screenshots: the dashboard mid-run and done, the config error, the runs view.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunsNode } from '../../../src/extension/training/runsTree';
import type { RunRecord, TrainingRuns } from '../../../src/extension/training/trainingRuns';
import { type SuiteContext, sleep } from './harness';

/** Resolves with the exit code VS Code reports for the next end of the task named `name`. */
function taskExit(name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const listener = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution.task.name !== name) return;
      listener.dispose();
      resolve(e.exitCode);
    });
  });
}

/** The run started after `previous` (the task's terminal starts it a moment after executeTask returns). */
async function nextRun(runs: TrainingRuns, previous: RunRecord | undefined): Promise<RunRecord> {
  for (let i = 0; i < 600 && (runs.run === undefined || runs.run === previous); i++) await sleep(50);
  assert.ok(runs.run && runs.run !== previous, 'no training run started');
  return runs.run;
}

/** Waits until `run` has done `step` steps (or ended). */
async function untilStep(run: RunRecord, step: number): Promise<void> {
  for (let i = 0; i < 1200 && run.summary.step < step && run.summary.exitCode === null; i++) await sleep(50);
  assert.ok(
    run.summary.step >= step,
    `the run stopped at step ${run.summary.step}: ${run.summary.error?.message}`,
  );
}

export async function trainingSteps(s: SuiteContext): Promise<void> {
  const p = s.params.training;
  const training = () => s.api().services.training;
  const inWorkspace = (file: string) => path.join(s.params.workspace, file);
  let uninterrupted: RunRecord | undefined;

  await s.step(
    '"Run Task" offers Train student, Resume training and the task declared in tasks.json',
    async () => {
      const tasks = await vscode.tasks.fetchTasks({ type: 'miniastrolm' });
      const names = tasks.map((t) => t.name);
      for (const name of ['Train student', 'Resume training', p.taskLabel])
        assert.ok(names.includes(name), names.join());
      const declared = tasks.find((t) => t.name === p.taskLabel)!;
      assert.deepEqual(
        { command: declared.definition['command'], config: declared.definition['config'] },
        { command: 'train', config: p.config },
      );
    },
  );

  await s.step(
    'the tasks.json task trains to completion; the dashboard opened mid-run shows the steps so far, then all',
    async () => {
      const { runs, dashboard } = training();
      const task = (await vscode.tasks.fetchTasks({ type: 'miniastrolm' })).find(
        (t) => t.name === p.taskLabel,
      )!;
      const exit = taskExit(p.taskLabel);
      await vscode.tasks.executeTask(task);
      const run = await nextRun(runs, runs.run);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await untilStep(run, 8);
      await vscode.commands.executeCommand('miniastrolm.openTrainingDashboard');
      assert.ok(dashboard.webviewPanel, 'the dashboard is open');
      const shot = await s.screenshot({ name: 'dashboard', webviewElement: 'facts' });
      assert.ok(shot.webview, 'the dashboard page was found');
      const shown = Number(new RegExp(`Step(\\d+) / ${p.maxSteps}`).exec(shot.webview.text)?.[1]);
      assert.ok(shown >= 8, `the steps before it opened are there: ${shot.webview.text}`);
      assert.equal(await exit, 0, 'the task ended with exit code 0');
      assert.equal(run.summary.state, 'completed');
      assert.equal(run.summary.outputDir, inWorkspace(p.out));
      assert.ok(existsSync(path.join(run.summary.lastCheckpoint!, 'model.safetensors')));
      s.expectOne('info', new RegExp(`^MiniAstroLM: Training finished: ${p.maxSteps} steps, final loss \\d`));
      uninterrupted = run;
      // Every event reached the page: it plots one point per step. (The panel closed: every chart in view.)
      await vscode.commands.executeCommand('workbench.action.closePanel');
      const done = await s.screenshot({ name: 'dashboard-done', webviewElement: 'facts' });
      assert.match(done.webview!.text, new RegExp(`Step${p.maxSteps} / ${p.maxSteps}`));
      assert.match(done.webview!.text, new RegExp(`Steps plotted${p.maxSteps}$`));
      assert.ok(dashboard.posted.events >= run.events.length, JSON.stringify(dashboard.posted));
      assert.deepEqual(dashboard.cspViolations, [], 'the page (uPlot included) runs under its CSP');
    },
  );

  await s.step(
    'terminating the task mid-run, or Ctrl+C in its terminal, leaves a checkpoint; resumed, it ends on the same weights',
    async () => {
      const { runs } = training();
      const execution = await vscode.commands.executeCommand<vscode.TaskExecution>(
        'miniastrolm.trainStudent',
        {
          out: p.resumedOut,
        },
      );
      assert.ok(execution, 'Train student started a task');
      const run = await nextRun(runs, uninterrupted);
      await untilStep(run, 6);
      execution.terminate();
      await runs.whenFinished();
      assert.equal(run.summary.state, 'stopped', run.summary.error?.message);
      assert.equal(run.summary.exitCode, 130);
      assert.ok(run.summary.step < p.maxSteps);
      assert.ok(existsSync(path.join(run.summary.lastCheckpoint!, 'DONE')), 'the checkpoint is finished');
      s.expectOne(
        'info',
        new RegExp(`^MiniAstroLM: Training stopped at step \\d+/${p.maxSteps}; the run is resumable from `),
      );

      // Resumed, then stopped with Ctrl+C in the task's terminal: the terminal says how to go on.
      const stoppedExit = taskExit('Resume training');
      await vscode.commands.executeCommand('miniastrolm.resumeTraining');
      const resumed = await nextRun(runs, run);
      await untilStep(resumed, run.summary.step + 4);
      assert.equal(resumed.summary.resumedFrom, run.summary.lastCheckpoint);
      const terminal = vscode.window.terminals.filter((t) => t.name.includes('Resume training')).at(-1);
      assert.ok(terminal, vscode.window.terminals.map((t) => t.name).join());
      terminal.sendText('\x03', false);
      assert.equal(await stoppedExit, 130, "the task ended with the trainer's exit code");
      assert.equal(resumed.summary.state, 'stopped');
      assert.ok(resumed.summary.step < p.maxSteps);
      // The dashboard shows the resumed run after the steps before it (from its checkpoint's state file).
      const shot = await s.screenshot({ name: 'terminal-stopped', webviewElement: 'facts' });
      assert.match(shot.webview?.text ?? '', new RegExp(`Steps plotted${resumed.summary.step}$`));
      s.messages();

      const exit = taskExit('Resume training');
      await vscode.commands.executeCommand('miniastrolm.resumeTraining');
      const last = await nextRun(runs, resumed);
      assert.equal(await exit, 0);
      await runs.whenFinished();
      assert.equal(last.summary.state, 'completed');
      assert.equal(last.summary.resumedFrom, resumed.summary.lastCheckpoint);
      assert.equal(last.summary.outputDir, inWorkspace(p.resumedOut));
      assert.equal(
        last.summary.weightsSha256,
        uninterrupted?.summary.weightsSha256,
        'the same final weights',
      );
    },
  );

  await s.step(
    'a config with a wrong key: the message names it, a diagnostic marks its line until fixed',
    async () => {
      const { runs } = training();
      const document = await vscode.workspace.openTextDocument(inWorkspace(p.badConfig));
      await vscode.window.showTextDocument(document);
      const previous = runs.run;
      await vscode.commands.executeCommand('miniastrolm.trainStudent', { config: p.badConfig });
      const run = await nextRun(runs, previous);
      await runs.whenFinished();
      assert.equal(run.summary.exitCode, 3);
      for (let i = 0; i < 50 && vscode.languages.getDiagnostics(document.uri).length === 0; i++)
        await sleep(100);
      s.expectOne('error', new RegExp(`refused ${p.badConfig}: model\\.config\\.${p.badKey}: unknown key`));
      const [diagnostic, ...others] = vscode.languages.getDiagnostics(document.uri);
      assert.equal(others.length, 0);
      assert.equal(diagnostic!.range.start.line, p.badKeyLine);
      assert.equal(document.getText(diagnostic!.range), p.badKey);
      assert.equal(diagnostic!.severity, vscode.DiagnosticSeverity.Error);
      await s.screenshot({ name: 'config-error' });

      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, diagnostic!.range, 'nHead');
      await vscode.workspace.applyEdit(edit);
      await document.save();
      for (let i = 0; i < 50 && vscode.languages.getDiagnostics(document.uri).length > 0; i++)
        await sleep(100);
      assert.deepEqual(vscode.languages.getDiagnostics(document.uri), [], 'fixed and saved: no diagnostic');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    },
  );

  await s.step(
    'the Training runs view lists the runs and checkpoints; explain with, export and delete',
    async () => {
      const { runsTree } = training();
      await vscode.commands.executeCommand('workbench.view.extension.miniastrolm');
      const runs = runsTree.getChildren();
      const names = runs.map((n) => (n.kind === 'run' ? n.run.name : ''));
      assert.deepEqual(names, ['student', 'tiny', 'tiny-resumed']);
      const tiny = runs[1]!;
      const checkpoints = runsTree.getChildren(tiny);
      assert.deepEqual(
        checkpoints.map((n) => runsTree.getTreeItem(n).label),
        [`checkpoint-${p.maxSteps}`, `checkpoint-${p.maxSteps - 10}`],
      );
      const newest = checkpoints[0]! as Extract<RunsNode, { kind: 'checkpoint' }>;
      assert.equal(
        runsTree.getTreeItem(newest).description,
        `step ${p.maxSteps}/${p.maxSteps} · loss ${uninterrupted!.summary.loss!.toFixed(4)} · eval ${uninterrupted!.summary.evalLoss!.toFixed(4)}`,
      );
      // The dashboard, hidden behind the config and shown again, is a new page: it gets the last run replayed.
      const shot = await s.screenshot({ name: 'runs-tree', webviewElement: 'facts' });
      assert.match(shot.webview?.text ?? '', /^Step0Loss–/, 'the refused run (no step) is the last one');

      await vscode.commands.executeCommand('miniastrolm.runs.explainWith', newest);
      try {
        assert.equal(s.config().get('studentModel'), `${p.out}/checkpoint-${p.maxSteps}`);
        s.expectOne('info', new RegExp(`explanations now use tiny/checkpoint-${p.maxSteps}`));
      } finally {
        await s.config().update('studentModel', undefined, vscode.ConfigurationTarget.Workspace);
      }

      s.inputAnswers = ['.miniastrolm/exports/tiny'];
      await vscode.commands.executeCommand('miniastrolm.runs.export', newest);
      assert.equal(s.inputOptions.at(-1)!.value, `.miniastrolm/exports/tiny-checkpoint-${p.maxSteps}`);
      s.expectOne(
        'info',
        `MiniAstroLM: exported tiny/checkpoint-${p.maxSteps} to .miniastrolm/exports/tiny.`,
      );
      assert.ok(existsSync(inWorkspace('.miniastrolm/exports/tiny/onnx/model.onnx')));
      assert.ok(existsSync(inWorkspace('.miniastrolm/exports/tiny/tokenizer.json')), 'a Hugging Face folder');

      // "Delete" asks first (a modal warning): no answer keeps the folder, "Delete" removes it.
      const older = checkpoints[1]! as Extract<RunsNode, { kind: 'checkpoint' }>;
      await vscode.commands.executeCommand('miniastrolm.runs.delete', older);
      assert.equal(s.messages().at(-1)?.text, `Delete tiny/checkpoint-${p.maxSteps - 10}?`);
      assert.ok(existsSync(older.checkpoint.dir));
      const window = vscode.window as unknown as { showWarningMessage: (...args: unknown[]) => unknown };
      const recorder = window.showWarningMessage;
      window.showWarningMessage = () => Promise.resolve('Delete');
      try {
        await vscode.commands.executeCommand('miniastrolm.runs.delete', older);
      } finally {
        window.showWarningMessage = recorder;
      }
      assert.ok(!existsSync(older.checkpoint.dir));
      assert.deepEqual(
        runsTree.getChildren(runsTree.getChildren()[1]).map((n) => runsTree.getTreeItem(n).label),
        [`checkpoint-${p.maxSteps}`],
      );
    },
  );
}
