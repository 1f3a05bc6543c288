/**
 * Where training runs. Design goal: whatever launches a run (the CLI, the editor) keeps a responsive event loop.
 * The ONNX session blocks the thread that calls it for the whole step (seconds to minutes), so the loop runs in a
 * worker_threads Worker; this side relays its events, emits heartbeats, and turns a stop request (SIGTERM,
 * Ctrl-C, the editor's cancel) into a flag the loop reads between steps: it finishes the step, writes a
 * checkpoint and returns 'interrupted'. A killed process loses at most the steps since the last DONE checkpoint.
 *
 * Two entry points: `trainInThread` (in this process; the CLI's `train` verb), and `forkTraining` (a child
 * process running dist/trainWorker.js, which itself uses trainInThread; for the extension host, which must not
 * load ONNX Runtime or block on it).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type ErrorKind, MiniAstroError } from '../../core/errors';
import type { TrainConfig } from '../config/trainConfig';
import type { DoneEvent, ErrorEvent, TrainEvent } from './events';
import { trainingProcessEnv } from './mallocEnv';
import { rssMb } from './rss';
import type { TrainRequest } from './runConfig';
import type { TrainOutcome } from './trainer';

/** What the training thread receives (structured-cloned). */
export interface ThreadRequest {
  config: TrainConfig;
  resume: boolean;
  stopAtStep?: number;
  intraOpThreads?: number;
}

export const WORKER_DATA_TAG = 'miniastrolm-train';

export interface WorkerInput {
  tag: typeof WORKER_DATA_TAG;
  request: ThreadRequest;
  /** Int32 flag: non-zero asks the loop to stop after the current step. */
  stop: SharedArrayBuffer;
}

export interface SerializedError {
  miniAstro: boolean;
  kind?: ErrorKind;
  message: string;
  hint?: string;
  stack?: string;
}

export type WorkerMessage =
  | { kind: 'event'; event: TrainEvent }
  | { kind: 'result'; outcome: TrainOutcome }
  | { kind: 'failure'; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof MiniAstroError) {
    return { miniAstro: true, kind: error.kind, message: error.message, hint: error.hint };
  }
  if (error instanceof Error) return { miniAstro: false, message: error.message, stack: error.stack ?? '' };
  return { miniAstro: false, message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.miniAstro && error.kind) return new MiniAstroError(error.kind, error.message, error.hint ?? '');
  const e = new Error(error.message);
  if (error.stack) e.stack = error.stack;
  return e;
}

/**
 * The training worker script: dist/trainWorker.js next to the bundle this code is in, or worker.ts when running
 * from sources (tests under tsx).
 */
export function workerScriptPath(): string {
  const bundled = path.join(__dirname, 'trainWorker.js');
  if (existsSync(bundled)) return bundled;
  return path.join(__dirname, 'worker.ts');
}

function startWorker(script: string, input: WorkerInput): Worker {
  if (!script.endsWith('.ts')) return new Worker(script, { workerData: input });
  // Sources: load tsx's require hook in the thread first (a Worker does not inherit --import tsx for its entry).
  const tsx = createRequire(script).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, {
    eval: true,
    workerData: input,
  });
}

export interface ThreadOptions {
  onEvent: (event: TrainEvent) => void;
  /** Aborting asks the run to stop after its current step (then it resolves 'interrupted'). */
  signal?: AbortSignal;
  /** Default workerScriptPath(). */
  script?: string;
  /** Heartbeat period; 0 turns them off. Default 10 s (env MINIASTROLM_HEARTBEAT_MS). */
  heartbeatMs?: number;
}

/**
 * Runs training in a worker thread of this process. Resolves with the outcome; rejects with the run's error
 * (MiniAstroError for anything a user can act on). Every rejection has been reported as an 'error' event.
 */
export function trainInThread(request: ThreadRequest, options: ThreadOptions): Promise<TrainOutcome> {
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const worker = startWorker(options.script ?? workerScriptPath(), { tag: WORKER_DATA_TAG, request, stop });
  const started = Date.now();
  let step = 0;
  const onAbort = () => Atomics.store(flag, 0, 1);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const heartbeatMs = options.heartbeatMs ?? (Number(process.env['MINIASTROLM_HEARTBEAT_MS']) || 10_000);
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(
          () =>
            options.onEvent({
              type: 'heartbeat',
              step,
              elapsedSec: Math.round((Date.now() - started) / 1000),
              rssMb: rssMb(),
            }),
          heartbeatMs,
        )
      : undefined;
  return new Promise<TrainOutcome>((resolve, reject) => {
    let outcome: TrainOutcome | undefined;
    let failure: Error | undefined;
    let crash: Error | undefined;
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'event') {
        if ('step' in message.event) step = message.event.step;
        // Nothing follows the final event, so that consumers can rely on it being the last line.
        if ((message.event.type === 'done' || message.event.type === 'error') && heartbeat)
          clearInterval(heartbeat);
        options.onEvent(message.event);
      } else if (message.kind === 'result') {
        outcome = message.outcome;
      } else {
        failure = deserializeError(message.error);
      }
    });
    worker.on('error', (error) => {
      crash = error;
    });
    worker.on('exit', (code) => {
      if (outcome) return resolve(outcome);
      if (failure) return reject(failure);
      const error = crash ?? new Error(`the training thread exited with code ${code} before finishing`);
      options.onEvent({
        type: 'error',
        step,
        error: `internal error: ${error.message}`,
        hint: 'This is a bug; please report it with the log.',
        kind: 'internal',
        lastCheckpoint: null,
      });
      reject(error);
    });
  }).finally(() => {
    if (heartbeat) clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', onAbort);
  });
}

// ---- a child process (the extension's way) ---------------------------------------------------------------------

export interface ForkOptions {
  /** dist/trainWorker.js of the installed extension. */
  script: string;
  onEvent: (event: TrainEvent) => void;
  /** Node.js 20+ to run it with; default this process's. */
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ForkResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  done: DoneEvent | null;
  error: ErrorEvent | null;
  /** The child's stderr (native library messages, crashes), last 64 KiB. */
  stderr: string;
}

export interface ForkedTraining {
  child: ChildProcess;
  /** Asks the run to stop after its current step (SIGTERM); it checkpoints and exits 130. */
  stop(): void;
  done: Promise<ForkResult>;
}

/** Exit codes of the worker process: 0 completed, 130 stopped (resumable), else ExitCode of the error. */
export function forkTraining(request: TrainRequest, options: ForkOptions): ForkedTraining {
  const child = fork(options.script, [JSON.stringify(request)], {
    ...(options.nodePath ? { execPath: options.nodePath } : {}),
    ...(request.cwd ? { cwd: request.cwd } : {}),
    env: trainingProcessEnv(options.env ?? process.env),
    // The worker is plain JavaScript: never inherit loaders such as --import tsx from this process.
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-65536);
  });
  let done: DoneEvent | null = null;
  let error: ErrorEvent | null = null;
  child.on('message', (event: TrainEvent) => {
    if (event.type === 'done') done = event;
    if (event.type === 'error') error = event;
    options.onEvent(event);
  });
  const finished = new Promise<ForkResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, done, error, stderr }));
  });
  return { child, stop: () => child.kill('SIGTERM'), done: finished };
}
