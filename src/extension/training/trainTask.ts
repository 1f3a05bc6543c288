/**
 * Training as a VS Code Task of type `miniastrolm` ({ "type": "miniastrolm", "command": "train", "config": …,
 * "resume": …, "out": … } in tasks.json, or "Train student" / "Resume training" offered by the provider): a
 * CustomExecution whose Pseudoterminal starts the trainer through TrainingRuns and prints its progress as lines
 * (step, loss, lr, tok/s, ETA, memory; eval and checkpoint lines). Ctrl+C in the terminal, or terminating the
 * task, sends SIGTERM: the trainer finishes its step, writes a checkpoint and exits 130, and the terminal says the
 * run is resumable.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { TrainEvent } from '../../student/train/events';
import { readTrainingSettings } from '../settings';
import { terminalLines } from './runSummary';
import type { RunRecord, TrainingRuns, TrainLaunch } from './trainingRuns';

export const TASK_TYPE = 'miniastrolm';
export const TASK_SOURCE = 'MiniAstroLM';
export const TRAIN_TASK_NAME = 'Train student';
export const RESUME_TASK_NAME = 'Resume training';

export interface TrainTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  command: 'train';
  /** The training config, relative to the workspace folder; default the setting miniastrolm.trainConfig. */
  config?: string;
  /** Continue from the newest finished checkpoint of the run's folder. */
  resume?: boolean;
  /** The run's folder, overriding the config's outputDir. */
  out?: string;
}

export interface TrainTaskDeps {
  runs: TrainingRuns;
  /** The Node.js and CLI to train with; undefined when no Node.js fits (the user has been told why). */
  launch(): Promise<TrainLaunch | undefined>;
  /** Where a config error points in the file, for a clickable `file:line:column` in the terminal. */
  locate?(configFile: string, message: string): { line: number; character: number } | null;
}

const ANSI = {
  bold: (s: string) => `\x1b[1m${s}\x1b[0m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[0m`,
  red: (s: string) => `\x1b[31m${s}\x1b[0m`,
  green: (s: string) => `\x1b[32m${s}\x1b[0m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[0m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[0m`,
};

function folderOf(scope: vscode.Task['scope']): vscode.WorkspaceFolder | undefined {
  return typeof scope === 'object' ? scope : vscode.workspace.workspaceFolders?.[0];
}

export function isTrainTask(definition: vscode.TaskDefinition): definition is TrainTaskDefinition {
  return definition.type === TASK_TYPE && definition['command'] === 'train';
}

/** A runnable task for `definition` (the provider's, one from tasks.json, or one a command built). */
export function trainTask(
  definition: TrainTaskDefinition,
  scope: vscode.WorkspaceFolder | vscode.TaskScope.Workspace | undefined,
  deps: TrainTaskDeps,
  name = definition.resume ? RESUME_TASK_NAME : TRAIN_TASK_NAME,
): vscode.Task {
  const folder = folderOf(scope);
  const task = new vscode.Task(
    definition,
    scope ?? folder ?? vscode.TaskScope.Workspace,
    name,
    TASK_SOURCE,
    new vscode.CustomExecution(
      async (resolved) => new TrainPseudoterminal(resolved as TrainTaskDefinition, folder, deps),
    ),
  );
  task.presentationOptions = {
    reveal: vscode.TaskRevealKind.Always,
    panel: vscode.TaskPanelKind.Dedicated,
    clear: true,
    echo: false,
  };
  return task;
}

export class TrainTaskProvider implements vscode.TaskProvider {
  constructor(private readonly deps: TrainTaskDeps) {}

  provideTasks(): vscode.Task[] {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return [];
    return [false, true].map((resume) =>
      trainTask({ type: TASK_TYPE, command: 'train', ...(resume ? { resume } : {}) }, folder, this.deps),
    );
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    if (!isTrainTask(task.definition)) return undefined;
    // The same definition object, as VS Code asks, now with an execution.
    return trainTask(
      task.definition,
      task.scope as vscode.WorkspaceFolder | vscode.TaskScope.Workspace,
      this.deps,
      task.name,
    );
  }
}

class TrainPseudoterminal implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;
  private run: RunRecord | undefined;
  private subscription: { dispose(): void } | undefined;
  private stopRequests = 0;

  constructor(
    private readonly definition: TrainTaskDefinition,
    private readonly folder: vscode.WorkspaceFolder | undefined,
    private readonly deps: TrainTaskDeps,
  ) {}

  open(): void {
    void this.start().catch((error: unknown) => {
      this.line(ANSI.red(`error: ${error instanceof Error ? error.message : String(error)}`));
      this.finish(1);
    });
  }

  private line(text: string): void {
    this.writer.fire(`${text.replace(/\r?\n/g, '\r\n')}\r\n`);
  }

  private finish(code: number): void {
    this.subscription?.dispose();
    this.subscription = undefined;
    this.closer.fire(code);
  }

  private async start(): Promise<void> {
    const cwd = this.folder?.uri.fsPath;
    if (!cwd) {
      this.line(ANSI.red('Open a workspace folder first: training runs in it (its config, data and runs).'));
      return this.finish(2);
    }
    const configFile = path.resolve(cwd, this.definition.config ?? readTrainingSettings().configFile);
    const shown = vscode.workspace.asRelativePath(configFile);
    if (!existsSync(configFile)) {
      this.line(ANSI.red(`No training config at ${shown}.`));
      this.line(
        'Set "miniastrolm.trainConfig" (or "config" in the task), or run "MiniAstroLM: Train student", which ' +
          'offers to create one from the default configs/student_train.yaml.',
      );
      return this.finish(3);
    }
    const { runs } = this.deps;
    if (runs.live) {
      this.line(ANSI.yellow(`A training run is already live (${runs.describeLive()}).`));
      this.line(
        'Stop it first: Ctrl+C in its terminal, the dashboard\'s Stop, or "MiniAstroLM: Stop training".',
      );
      return this.finish(1);
    }
    const launch = await this.deps.launch();
    if (!launch) {
      this.line(ANSI.red('No Node.js 20+ that can run the trainer was found (see the notification).'));
      return this.finish(1);
    }
    const out = this.definition.out ? path.resolve(cwd, this.definition.out) : undefined;
    this.line(
      ANSI.bold(
        `MiniAstroLM: ${this.definition.resume ? 'resuming' : 'training'} with ${shown}` +
          (out ? `, run folder ${vscode.workspace.asRelativePath(out)}` : ''),
      ),
    );
    this.line(ANSI.dim(`${launch.node} ${path.basename(launch.cli)} · Ctrl+C stops after the current step`));
    this.subscription = runs.subscribe({
      event: (run, event) => {
        if (run === this.run) this.onEvent(event);
      },
      // The CLI's own human text on stderr: its errors and hints (so error events are not printed again).
      output: (run, text) => {
        if (run === this.run) this.line(/^\s*error:/.test(text) ? ANSI.red(text) : text);
      },
      exit: (run) => {
        if (run === this.run) this.onExit(run, configFile);
      },
    });
    this.run = runs.start(
      { configFile, resume: this.definition.resume === true, ...(out ? { outputDir: out } : {}), cwd },
      launch,
    );
  }

  private onEvent(event: TrainEvent): void {
    const lines = terminalLines(event);
    const paint =
      event.type === 'checkpoint' || event.type === 'eval'
        ? ANSI.cyan
        : event.type === 'done'
          ? event.reason === 'completed'
            ? ANSI.green
            : ANSI.yellow
          : (s: string) => s;
    for (const text of lines) this.line(paint(text));
    if (event.type === 'start' && this.definition.resume && event.resumedFrom === null) {
      this.line(
        ANSI.yellow(`No finished checkpoint in ${event.outputDir}: this run starts from the beginning.`),
      );
    }
  }

  private onExit(run: RunRecord, configFile: string): void {
    const { summary } = run;
    if (summary.state === 'completed') {
      this.line(ANSI.green(`Training finished. The run's folder: ${summary.outputDir ?? '?'}.`));
    } else if (summary.state === 'stopped') {
      this.line(
        ANSI.yellow(
          summary.lastCheckpoint
            ? `The run is resumable from ${vscode.workspace.asRelativePath(summary.lastCheckpoint)}: run ` +
                '"MiniAstroLM: Resume training" (or the "Resume training" task) to continue it bit for bit.'
            : 'Stopped before its first checkpoint: nothing to resume.',
        ),
      );
    } else {
      const where = summary.error && this.deps.locate?.(configFile, summary.error.message);
      if (where && summary.exitCode === 3) {
        // A file:line:column the terminal turns into a link to the key.
        const at = `${vscode.workspace.asRelativePath(configFile)}:${where.line + 1}:${where.character + 1}`;
        this.line(ANSI.red(`  at ${at}`));
      } else if (summary.exitCode === null) {
        this.line(ANSI.red(summary.error?.message ?? 'The trainer stopped.'));
      }
      if (summary.lastCheckpoint) {
        const from = vscode.workspace.asRelativePath(summary.lastCheckpoint);
        this.line(ANSI.yellow(`The run is resumable from ${from} once that is fixed.`));
      }
    }
    this.finish(summary.exitCode ?? 1);
  }

  handleInput(data: string): void {
    if (!data.includes('\x03') || !this.run || this.deps.runs.run !== this.run || !this.deps.runs.live)
      return;
    this.stopRequests++;
    this.line(
      ANSI.yellow(
        this.stopRequests === 1
          ? 'Stopping after the current step and writing a checkpoint… (Ctrl+C again to stop at once)'
          : 'Stopping at once: the run resumes from its last checkpoint.',
      ),
    );
    this.deps.runs.stop();
  }

  /** The terminal was closed or the task terminated: the trainer stops after its step and checkpoints. */
  close(): void {
    if (this.run && this.deps.runs.run === this.run && this.deps.runs.live) this.deps.runs.stop();
    this.subscription?.dispose();
    this.subscription = undefined;
  }
}
