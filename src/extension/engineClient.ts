/**
 * The editor's side of the engine: starts `dist/engine.js` under Node on first need, speaks JSON-RPC over its
 * stdio, routes progress notifications to the request that asked, and starts a fresh engine on the next request
 * after the last one exited (idle, crashed or killed) — a crash fails the requests in flight with a message that
 * says so. No `vscode` import: tests drive it with the real engine process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  type CancellationToken,
  createMessageConnection,
  ErrorCodes,
  type MessageConnection,
  type RequestParam,
  type RequestType,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import {
  CANCELLED_ERROR_CODE,
  ENGINE_PROTOCOL_VERSION,
  type EngineErrorData,
  type EngineInfo,
  type ExplainProgress,
  Notifications,
  Requests,
} from '../engine/protocol';

export interface EngineLaunch {
  /** The Node.js executable. */
  node: string;
  /** dist/engine.js, or an argv prefix (tests run src/engine/main.ts through tsx). */
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface EngineClientOptions {
  /** Called at each start: which Node, which script, which environment (the API key goes in here). */
  launch: () => Promise<EngineLaunch> | EngineLaunch;
  log: (line: string) => void;
  /** The engine exited while requests were in flight (not on an idle exit or our own stop). */
  onCrash?: (description: string) => void;
}

/** An error the engine reported, with what the user can do about it. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    message: string,
    readonly kind: string,
    readonly hint: string,
  ) {
    super(message);
  }
  get cancelled(): boolean {
    return this.kind === 'cancelled';
  }
}

interface Running {
  child: ChildProcess;
  connection: MessageConnection;
  info: EngineInfo;
  exited: Promise<void>;
}

export class EngineClient {
  private running: Promise<Running> | null = null;
  private inFlight = 0;
  private stopping = false;
  private readonly progressListeners = new Map<string, (progress: ExplainProgress) => void>();

  constructor(private readonly options: EngineClientOptions) {}

  /** The running engine's pid, or null. */
  async pid(): Promise<number | null> {
    if (!this.running) return null;
    try {
      return (await this.running).info.pid;
    } catch {
      return null;
    }
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Sends a request, starting the engine first when none runs. */
  async request<P, R>(
    type: RequestType<P, R, EngineErrorData>,
    params: P,
    token?: CancellationToken,
  ): Promise<R> {
    const engine = await this.start();
    this.inFlight++;
    try {
      return await engine.connection.sendRequest(type, params as RequestParam<P>, token);
    } catch (error) {
      throw this.translate(error);
    } finally {
      this.inFlight--;
    }
  }

  /** Progress notifications of one explain request, until the returned function is called. */
  onProgress(requestId: string, listener: (progress: ExplainProgress) => void): () => void {
    this.progressListeners.set(requestId, listener);
    return () => this.progressListeners.delete(requestId);
  }

  /** Stops the engine (it is started again by the next request). */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.stopping = true;
    try {
      const engine = await running.catch(() => null);
      if (!engine) return;
      await Promise.race([
        engine.connection.sendRequest(Requests.shutdown, null).catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
      if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill('SIGTERM');
      await Promise.race([engine.exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill('SIGKILL');
    } finally {
      this.stopping = false;
      if (this.running === running) this.running = null;
    }
  }

  private start(): Promise<Running> {
    if (!this.running) {
      const starting = this.spawnEngine();
      this.running = starting;
      starting.catch(() => {
        if (this.running === starting) this.running = null;
      });
    }
    return this.running;
  }

  private async spawnEngine(): Promise<Running> {
    const launch = await this.options.launch();
    this.options.log(`starting the engine: ${launch.node} ${launch.args.join(' ')}`);
    const child = spawn(launch.node, launch.args, { stdio: ['pipe', 'pipe', 'pipe'], env: launch.env });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) =>
        reject(
          new EngineError(
            `Could not start Node.js ("${launch.node}"): ${error.message}.`,
            'runtime',
            'Install Node.js 20+ or set miniastrolm.nodePath.',
          ),
        ),
      );
    });
    let stderrTail = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4000);
      for (const line of chunk.split('\n')) if (line.trim()) this.options.log(`[engine] ${line}`);
    });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        const crashed = !this.stopping && this.inFlight > 0;
        const description = signal ? `killed by ${signal}` : `exit code ${code}`;
        this.options.log(`the engine stopped (${description})`);
        if (this.running && current === this.running) this.running = null;
        if (crashed) this.options.onCrash?.(description);
        resolve();
      });
    });
    const current = this.running;
    await spawned;
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    connection.onNotification(Notifications.explainProgress, (progress) => {
      this.progressListeners.get(progress.requestId)?.(progress);
    });
    connection.onError(([error]) => this.options.log(`engine connection: ${error.message}`));
    connection.listen();
    void exited.then(() => connection.dispose());
    let info: EngineInfo;
    try {
      info = await Promise.race([
        connection.sendRequest(Requests.hello, null),
        exited.then(() => {
          throw new EngineError(
            `The engine exited at start: ${stderrTail.trim().split('\n').slice(-3).join(' ') || 'no message'}`,
            'runtime',
            'The MiniAstroLM output channel shows its log; check miniastrolm.nodePath (Node.js 20+).',
          );
        }),
      ]);
    } catch (error) {
      child.kill('SIGKILL');
      throw this.translate(error);
    }
    if (info.protocol !== ENGINE_PROTOCOL_VERSION) {
      child.kill('SIGKILL');
      throw new EngineError(
        `The engine speaks protocol ${info.protocol}, the editor ${ENGINE_PROTOCOL_VERSION}.`,
        'runtime',
        'Reload the window after updating the extension.',
      );
    }
    this.options.log(`engine ${info.pid} ready (MiniAstroLM ${info.version}, Node ${info.node})`);
    return { child, connection, info, exited };
  }

  private translate(error: unknown): Error {
    if (error instanceof EngineError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const lost =
      (error instanceof ResponseError &&
        (error.code === ErrorCodes.PendingResponseRejected ||
          error.code === ErrorCodes.ConnectionInactive)) ||
      /connection (got disposed|is closed)|Pending response rejected/i.test(message);
    if (lost) {
      return new EngineError(
        'The engine stopped while working on this request.',
        'crashed',
        'It restarts on the next request; the MiniAstroLM output channel shows why it stopped.',
      );
    }
    if (error instanceof ResponseError) {
      const data = error.data as EngineErrorData | undefined;
      if (error.code === CANCELLED_ERROR_CODE) return new EngineError('cancelled', 'cancelled', '');
      return new EngineError(error.message, data?.kind ?? 'internal', data?.hint ?? '');
    }
    return error instanceof Error ? error : new Error(message);
  }
}
