/**
 * dist/trainWorker.js, in two roles. As a worker thread (started by trainInThread) it runs the training loop and
 * posts events; the thread's event loop may block inside ONNX Runtime for a whole step, which is why it is not the
 * main one. As the main script of a child process (forkTraining: `fork('dist/trainWorker.js', [requestJson])`)
 * it resolves the config, starts that thread, relays events to the parent over IPC (or as JSON lines on stdout
 * when there is no IPC channel), and maps SIGTERM/SIGINT to "finish the step, checkpoint, exit 130".
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { describeError, ExitCode, isMiniAstroError } from '../../core/errors';
import type { TrainEvent } from './events';
import {
  serializeError,
  trainInThread,
  WORKER_DATA_TAG,
  type WorkerInput,
  type WorkerMessage,
} from './process';
import { resolveTrainConfig, type TrainRequest } from './runConfig';
import { runTraining } from './trainer';

function threadMain(input: WorkerInput): void {
  const flag = new Int32Array(input.stop);
  const post = (message: WorkerMessage) => parentPort!.postMessage(message);
  runTraining(input.request.config, {
    sink: (event) => post({ kind: 'event', event }),
    resume: input.request.resume,
    shouldStop: () => Atomics.load(flag, 0) !== 0,
    ...(input.request.stopAtStep !== undefined ? { stopAtStep: input.request.stopAtStep } : {}),
    ...(input.request.intraOpThreads !== undefined ? { intraOpThreads: input.request.intraOpThreads } : {}),
  }).then(
    (outcome) => post({ kind: 'result', outcome }),
    (error: unknown) => post({ kind: 'failure', error: serializeError(error) }),
  );
}

async function processMain(argv: string[]): Promise<number> {
  let errorSent = false;
  const emit = (event: TrainEvent) => {
    if (event.type === 'error') errorSent = true;
    if (process.send) process.send(event);
    else process.stdout.write(`${JSON.stringify(event)}\n`);
  };
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const request = JSON.parse(argv[0] ?? '{}') as TrainRequest;
    const config = resolveTrainConfig(request);
    const outcome = await trainInThread(
      {
        config,
        resume: request.resume === true,
        ...(request.stopAtStep !== undefined ? { stopAtStep: request.stopAtStep } : {}),
      },
      { onEvent: emit, signal: controller.signal },
    );
    return outcome.reason === 'interrupted' ? ExitCode.interrupted : ExitCode.ok;
  } catch (error) {
    // Errors of the run itself were reported as events by the thread; a bad request or config was not.
    if (isMiniAstroError(error)) {
      if (!errorSent) {
        emit({
          type: 'error',
          step: 0,
          error: error.message,
          hint: error.hint,
          kind: error.kind,
          lastCheckpoint: null,
        });
      }
      return error.exitCode;
    }
    process.stderr.write(
      `internal error: ${error instanceof Error ? (error.stack ?? describeError(error)) : String(error)}\n`,
    );
    return ExitCode.internal;
  }
}

if (!isMainThread && (workerData as WorkerInput | undefined)?.tag === WORKER_DATA_TAG) {
  threadMain(workerData as WorkerInput);
} else if (isMainThread && require.main === module) {
  void processMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    if (process.connected) process.disconnect();
  });
}
