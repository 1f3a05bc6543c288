/**
 * The engine's request handlers over one JSON-RPC connection: every request is tracked so the process can give
 * its memory back after `idleMs` without work, cancellation reaches the work as an AbortSignal, and errors the
 * user can act on cross the wire as message + hint (stack traces go to the log only).
 */
import { type CancellationToken, type MessageConnection, ResponseError } from 'vscode-jsonrpc';
import { isMiniAstroError } from '../core/errors';
import { loadPipelineConfig } from '../pipeline/config/pipelineConfig';
import { CurationStore } from '../pipeline/store/curation';
import { version } from '../version';
import { curationDecide, curationDetail, workspaceSummary } from './curation';
import { addToDataset } from './dataset';
import { explainWithTeacher } from './explainTeacher';
import { fetchPapers } from './fetchPapers';
import {
  CANCELLED_ERROR_CODE,
  ENGINE_PROTOCOL_VERSION,
  type EngineErrorData,
  type ExplainProgress,
  Notifications,
  Requests,
  USER_ERROR_CODE,
} from './protocol';
import { Databases, SerialQueue } from './resources';
import { scanDocument } from './scan';
import type { StudentModels } from './studentModels';

export interface EngineDeps {
  /** Exit after this long with no request in flight. */
  idleMs: number;
  log: (line: string) => void;
  /** Called once when the engine decides to stop (idle, or asked to). */
  exit: () => void;
  env: NodeJS.ProcessEnv;
}

function toResponseError(error: unknown, signal: AbortSignal | null): ResponseError<EngineErrorData> {
  if (signal?.aborted) {
    return new ResponseError(CANCELLED_ERROR_CODE, 'cancelled', { kind: 'cancelled', hint: '' });
  }
  if (isMiniAstroError(error)) {
    return new ResponseError(USER_ERROR_CODE, error.message, { kind: error.kind, hint: error.hint });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(USER_ERROR_CODE, `internal error: ${message}`, {
    kind: 'internal',
    hint: 'The MiniAstroLM output channel has the details; please report them.',
  });
}

export function serveEngine(connection: MessageConnection, deps: EngineDeps): { stop: () => Promise<void> } {
  const databases = new Databases();
  // Loaded on the first student explanation: it brings ONNX Runtime and the tokenizer.
  let models: StudentModels | undefined;
  const student = async () => {
    const [{ StudentModels }, { explainWithStudent }] = await Promise.all([
      import('./studentModels'),
      import('./explainStudent'),
    ]);
    models ??= new StudentModels();
    return { models, explainWithStudent };
  };
  const decoding = new SerialQueue();
  let inFlight = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(idleTimer);
    await models?.release();
    databases.closeAll();
    deps.exit();
  };
  const armIdle = () => {
    clearTimeout(idleTimer);
    if (inFlight === 0 && !stopped) {
      idleTimer = setTimeout(() => {
        deps.log(`idle for ${Math.round(deps.idleMs / 1000)} s: giving the memory back`);
        void stop();
      }, deps.idleMs);
      idleTimer.unref?.();
    }
  };

  /** Wraps a handler: activity tracking, cancellation as an AbortSignal, errors as ResponseErrors. */
  function handle<P, R>(
    name: string,
    work: (params: P, signal: AbortSignal) => Promise<R> | R,
  ): (params: P, token: CancellationToken) => Promise<R> {
    return async (params, token) => {
      inFlight++;
      clearTimeout(idleTimer);
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort(new Error('cancelled')));
      try {
        return await work(params, controller.signal);
      } catch (error) {
        if (!controller.signal.aborted && !isMiniAstroError(error)) {
          deps.log(
            `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        }
        throw toResponseError(error, controller.signal);
      } finally {
        cancel.dispose();
        inFlight--;
        armIdle();
      }
    };
  }

  connection.onRequest(
    Requests.hello,
    handle('hello', () => ({
      protocol: ENGINE_PROTOCOL_VERSION,
      version,
      pid: process.pid,
      node: process.version,
    })),
  );
  connection.onRequest(
    Requests.scanDocument,
    handle('scan', (params) => scanDocument(params, databases)),
  );
  connection.onRequest(
    Requests.explain,
    handle('explain', (params, signal) => {
      const progress = (p: Omit<ExplainProgress, 'requestId'>) =>
        void connection.sendNotification(Notifications.explainProgress, {
          requestId: params.requestId,
          ...p,
        });
      const { source } = params;
      if (source.kind === 'teacher') {
        return explainWithTeacher(params.abstract, params.paper, source, {
          databases,
          env: deps.env,
          progress,
          signal,
        });
      }
      return decoding.run(async () => {
        signal.throwIfAborted();
        const { models, explainWithStudent } = await student();
        return explainWithStudent(params.abstract, source, { models, progress, signal });
      });
    }),
  );
  connection.onRequest(
    Requests.addToDataset,
    handle('dataset/add', (params) => addToDataset(params, databases)),
  );
  connection.onRequest(
    Requests.fetchPapers,
    handle('papers/fetch', (params, signal) => fetchPapers(params, databases, deps.env, signal)),
  );
  connection.onRequest(
    Requests.curationList,
    handle('curation/list', (params) =>
      new CurationStore(databases.get(params.databasePath)).list(params.filter, params),
    ),
  );
  connection.onRequest(
    Requests.curationDetail,
    handle('curation/detail', (params) => curationDetail(databases.get(params.databasePath), params)),
  );
  connection.onRequest(
    Requests.curationDecide,
    handle('curation/decide', (params) => curationDecide(databases.get(params.databasePath), params)),
  );
  connection.onRequest(
    Requests.curationStats,
    handle('curation/stats', (params) =>
      new CurationStore(databases.get(params.databasePath)).stats(loadPipelineConfig().validators),
    ),
  );
  connection.onRequest(
    Requests.workspaceSummary,
    handle('workspace/summary', (params) => workspaceSummary(databases.ifExists(params.databasePath))),
  );
  connection.onRequest(
    Requests.shutdown,
    handle('shutdown', () => {
      setImmediate(() => void stop());
      return null;
    }),
  );
  armIdle();
  return { stop };
}
