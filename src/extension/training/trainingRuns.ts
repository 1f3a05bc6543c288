/**
 * The editor's training runs: one trainer at a time, `miniastrolm train … --json` in a child process under the
 * Node.js nodeRuntime.ts found (the work, ONNX Runtime included, never runs on the extension host's thread). Its
 * stdout is one JSON event per line; they are kept for the run (the dashboard, opened mid-run, replays them) and
 * folded into its summary (runSummary.ts). Stopping sends SIGTERM: the trainer finishes its step, writes a
 * checkpoint and exits 130, resumable. The task's terminal, the status bar and the dashboard subscribe.
 * No `vscode` here: the process and its listeners only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { TrainEvent } from '../../student/train/events';
import { trainingProcessEnv } from '../../student/train/mallocEnv';
import {
  applyExit,
  applyTrainEvent,
  initialSummary,
  isLive,
  markStopping,
  parseTrainEventLine,
  type RunHistory,
  type RunSummary,
} from './runSummary';
import { readRunHistory } from './runsFolder';

export interface TrainRunRequest {
  /** The YAML config, absolute or relative to `cwd`. */
  configFile: string;
  /** Continue from the newest finished checkpoint of the output folder. */
  resume: boolean;
  /** Overrides the config's outputDir. */
  outputDir?: string;
  /** The workspace folder: relative paths in the config are relative to it, as on the command line. */
  cwd: string;
}

export interface TrainLaunch {
  /** The Node.js that runs the CLI. */
  node: string;
  /** dist/cli.js of the extension. */
  cli: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunRecord {
  /** 1, 2, …: a new run replaces the dashboard's charts. */
  id: number;
  request: TrainRunRequest;
  startedAt: number;
  summary: RunSummary;
  /** Every event but heartbeats, in order. */
  events: TrainEvent[];
  /** A resumed run: the losses before it, read from the checkpoint it resumed from when it started. */
  history: RunHistory | null;
  pid: number | undefined;
}

export interface RunListener {
  event?(run: RunRecord, event: TrainEvent): void;
  /** A line the trainer printed that is not an event (stderr: messages, hints, native libraries' warnings). */
  output?(run: RunRecord, line: string): void;
  /** The summary changed (an event, a stop request, the exit). */
  change?(run: RunRecord): void;
  exit?(run: RunRecord): void;
}

/** The CLI's arguments for a run. */
export function trainArguments(request: TrainRunRequest): string[] {
  return [
    'train',
    '--config',
    request.configFile,
    ...(request.resume ? ['--resume'] : []),
    ...(request.outputDir ? ['--out', request.outputDir] : []),
    '--json',
  ];
}

/** Splits a stream into lines, calling `line` for each complete one; `flush` hands over the rest. */
function lineSplitter(line: (text: string) => void): { push(chunk: string): void; flush(): void } {
  let buffer = '';
  return {
    push(chunk) {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        line(buffer.slice(0, newline).replace(/\r$/, ''));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    },
    flush() {
      if (buffer) line(buffer);
      buffer = '';
    },
  };
}

export class TrainingRuns {
  private current: RunRecord | undefined;
  private child: ChildProcess | undefined;
  private finished: Promise<RunRecord> | undefined;
  private nextId = 1;
  private readonly listeners = new Set<RunListener>();

  /** The live run, or the last one (null before the first). */
  get run(): RunRecord | undefined {
    return this.current;
  }

  get live(): boolean {
    return this.current !== undefined && isLive(this.current.summary);
  }

  subscribe(listener: RunListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Starts a run; throws when one is live (one trainer uses every core). */
  start(request: TrainRunRequest, launch: TrainLaunch): RunRecord {
    if (this.live) throw new Error(`A training run is already live (${this.describeLive()}).`);
    const run: RunRecord = {
      id: this.nextId++,
      request,
      startedAt: Date.now(),
      summary: initialSummary(),
      events: [],
      history: null,
      pid: undefined,
    };
    this.current = run;
    const child = spawn(launch.node, [launch.cli, ...trainArguments(request)], {
      cwd: request.cwd,
      env: trainingProcessEnv(launch.env ?? process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    run.pid = child.pid;
    const stdout = lineSplitter((line) => {
      const event = parseTrainEventLine(line);
      if (event) this.onEvent(run, event);
      else if (line.trim()) this.emit((l) => l.output?.(run, line));
    });
    const stderr = lineSplitter((line) => this.emit((l) => l.output?.(run, line)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    this.finished = new Promise<RunRecord>((resolve) => {
      let settled = false;
      const end = (code: number | null, signal: NodeJS.Signals | null, message?: string) => {
        if (settled) return;
        settled = true;
        stdout.flush();
        stderr.flush();
        if (message) this.emit((l) => l.output?.(run, message));
        run.summary = applyExit(run.summary, code, signal);
        if (this.child === child) this.child = undefined;
        this.emit((l) => l.change?.(run));
        this.emit((l) => l.exit?.(run));
        resolve(run);
      };
      child.on('error', (error) =>
        end(null, null, `Could not start Node.js ("${launch.node}"): ${error.message}`),
      );
      child.on('close', (code, signal) => end(code, signal));
    });
    this.emit((l) => l.change?.(run));
    return run;
  }

  /** Asks the live run to stop after its step (SIGTERM; a second request sends it again, which ends it now). */
  stop(): boolean {
    if (!this.child || !this.current || !this.live) return false;
    this.current.summary = markStopping(this.current.summary);
    this.child.kill('SIGTERM');
    this.emit((l) => l.change?.(this.current!));
    return true;
  }

  /** Resolves when the current run's process has exited (at once when none is live). */
  whenFinished(): Promise<RunRecord | undefined> {
    return this.finished ?? Promise.resolve(this.current);
  }

  describeLive(): string {
    const s = this.current?.summary;
    if (!s) return 'none';
    const where = s.outputDir ?? this.current!.request.outputDir ?? this.current!.request.configFile;
    return `step ${s.step}${s.totalSteps === null ? '' : `/${s.totalSteps}`}, ${where}`;
  }

  private onEvent(run: RunRecord, event: TrainEvent): void {
    if (event.type !== 'heartbeat') run.events.push(event);
    // Read now: the resumed-from checkpoint may be pruned (keepCheckpoints) while the run goes on.
    if (event.type === 'start' && event.resumedFrom) run.history = readRunHistory(event.resumedFrom);
    const stopping = run.summary.state === 'stopping';
    run.summary = applyTrainEvent(run.summary, event);
    // A stop requested before the trainer's next event stays visible until the run ends.
    if (stopping && isLive(run.summary)) run.summary = markStopping(run.summary);
    this.emit((l) => l.event?.(run, event));
    this.emit((l) => l.change?.(run));
  }

  private emit(call: (listener: RunListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch {
        // One broken listener (a disposed webview) must not stop the others or the run.
      }
    }
  }

  /** Stops the live run (the editor is closing): it checkpoints on its own. */
  dispose(): void {
    this.stop();
    this.listeners.clear();
  }
}
