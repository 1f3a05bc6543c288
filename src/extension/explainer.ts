/**
 * Explanations for the editor: the cache first, else a job on the one-at-a-time queue that asks the engine —
 * progress fanned out to everyone waiting on the same abstract (a hover's background job and the panel share
 * one). The source (student or teacher) and its identity come from the caller, so settings changes and new
 * checkpoints simply key new cache entries. No `vscode` here.
 */
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type { ExplainProgress, ExplainResult, PaperRef } from '../engine/protocol';
import { Requests } from '../engine/protocol';
import { type EngineClient, EngineError } from './engineClient';
import { ExplanationCache, type ExplanationIdentity, explanationKey } from './explanationCache';
import type { SourceChoice } from './sources';
import { type JobPriority, LatestFirstQueue } from './workQueue';

export interface ExplainRequest {
  abstract: string;
  paper: PaperRef;
  priority: JobPriority;
  /** Ask the teacher again, even when an explanation is stored or cached. */
  regenerate?: boolean;
  /** Use the teacher whatever miniastrolm.explainWith says. */
  forceTeacher?: boolean;
  onProgress?: (progress: ExplainProgress) => void;
}

/** Nothing can explain: the reason says how to get a student or a teacher. */
export class NoExplainer extends Error {
  override readonly name = 'NoExplainer';
}

export interface ExplainerDeps {
  client: EngineClient;
  choose: (options: { regenerate?: boolean; forceTeacher?: boolean }) => SourceChoice;
  /** Bumped when the student's folder changes on disk (a new checkpoint), so its cache entries are new keys. */
  studentEpoch: () => number;
}

/** Why the last attempt at an abstract failed, as the user should read it. */
export interface ExplainFailure {
  message: string;
  /** What to do about it (the engine's hint), or ''. */
  hint: string;
}

export class Explainer {
  readonly cache = new ExplanationCache();
  /**
   * The last failure per cache key. A hover does not start the same failing work again (a wrong key or a server
   * that is down would otherwise be asked on every hover while the hover said "Explaining…"); it shows the failure
   * until the user retries, or the key or the settings change (`clearFailures`).
   */
  private readonly failures = new Map<string, ExplainFailure>();
  private readonly queue = new LatestFirstQueue<ExplainResult>();
  private readonly listeners = new Map<string, Set<(progress: ExplainProgress) => void>>();
  private counter = 0;

  constructor(private readonly deps: ExplainerDeps) {}

  identity(choice: SourceChoice): ExplanationIdentity {
    if (choice.kind === 'student') {
      return {
        model: `student:${choice.source.modelPath}#${this.deps.studentEpoch()}`,
        generation: JSON.stringify(choice.source.generation),
      };
    }
    if (choice.kind === 'teacher') {
      const s = choice.source;
      return {
        model: `teacher:${s.baseUrl ?? ''}|${s.model ?? ''}|${JSON.stringify(s.judge)}`,
        generation: '',
      };
    }
    return { model: 'none', generation: '' };
  }

  /**
   * What the cache holds for `abstract` under the current settings, whether work on it is under way, and why the
   * last attempt failed when it did.
   */
  lookup(abstract: string): {
    result: ExplainResult | undefined;
    pending: boolean;
    failure: ExplainFailure | undefined;
    choice: SourceChoice;
  } {
    const choice = this.deps.choose({});
    if (choice.kind === 'none') return { result: undefined, pending: false, failure: undefined, choice };
    const key = explanationKey(abstract, this.identity(choice));
    return {
      result: this.cache.get(key),
      pending: this.queue.has(key),
      failure: this.failures.get(key),
      choice,
    };
  }

  /** Forgets every failure: the key, the settings or the model changed, so the same work may now succeed. */
  clearFailures(): void {
    this.failures.clear();
  }

  explain(request: ExplainRequest): Promise<ExplainResult> {
    const choice = this.deps.choose({
      ...(request.regenerate ? { regenerate: true } : {}),
      ...(request.forceTeacher ? { forceTeacher: true } : {}),
    });
    if (choice.kind === 'none') return Promise.reject(new NoExplainer(choice.reason));
    const cacheKey = explanationKey(request.abstract, this.identity(choice));
    if (!request.regenerate) {
      const hit = this.cache.get(cacheKey);
      if (hit) return Promise.resolve(hit);
    }
    const jobKey = request.regenerate ? `${cacheKey}:regenerate` : cacheKey;
    const unlisten = request.onProgress ? this.listen(jobKey, request.onProgress) : () => {};
    const job = this.queue.enqueue(jobKey, request.priority, async (signal) => {
      const requestId = `${jobKey.slice(0, 16)}-${++this.counter}`;
      const stopProgress = this.deps.client.onProgress(requestId, (p) => {
        for (const listener of this.listeners.get(jobKey) ?? []) listener(p);
      });
      // vscode-jsonrpc sends `$/cancelRequest` when this token fires.
      const cancel = new CancellationTokenSource();
      const onAbort = () => cancel.cancel();
      signal.addEventListener('abort', onAbort);
      try {
        const result = await this.deps.client.request(
          Requests.explain,
          { requestId, abstract: request.abstract, paper: request.paper, source: choice.source },
          cancel.token,
        );
        this.cache.set(cacheKey, result);
        this.failures.delete(cacheKey);
        return result;
      } catch (error) {
        // A cancelled job (a newer hover, a closed panel) is not a failure of the work, and an engine that died
        // restarts on the next request: only what would fail again the same way is remembered.
        const transient =
          signal.aborted || (error instanceof EngineError && (error.cancelled || error.kind === 'crashed'));
        if (!transient) this.failures.set(cacheKey, failureOf(error));
        throw error;
      } finally {
        stopProgress();
        signal.removeEventListener('abort', onAbort);
        cancel.dispose();
      }
    });
    return job.finally(unlisten);
  }

  cancel(abstract: string): void {
    const choice = this.deps.choose({});
    if (choice.kind !== 'none') this.queue.cancel(explanationKey(abstract, this.identity(choice)));
  }

  dispose(): void {
    this.queue.clear();
  }

  private listen(key: string, listener: (progress: ExplainProgress) => void): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }
}

function failureOf(error: unknown): ExplainFailure {
  if (error instanceof EngineError) return { message: error.message, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error), hint: '' };
}
