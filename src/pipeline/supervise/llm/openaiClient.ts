/**
 * LlmClient over the `openai` package, for OpenAI itself and for OpenAI-compatible local servers. The package
 * does the transport work (retries with backoff on 429/5xx/timeouts/connection errors, honouring retry-after;
 * a timeout per attempt); this module adds what differs between endpoints: it asks for the strongest
 * structured output the endpoint accepts (json_schema → json_object → text), remembers what worked so later
 * calls do not probe again, asks again (up to maxRetries, with backoff) when a 2xx body is not a usable
 * completion, and reports failures as the kinds the pipeline acts on.
 */
import OpenAI from 'openai';
import { type Clock, systemClock } from '../../../core/clock';
import { buildChatBody } from './chatBody';
import { readCompletion } from './completion';
import { isOpenAiHost } from './endpoint';
import { isFormatRejection, toLlmCallError } from './failures';
import { type FetchLike, normalizingFetch } from './normalizeFetch';
import {
  type ChatRequest,
  type ChatResult,
  LlmCallError,
  type LlmClient,
  type LlmEndpoint,
  type OutputMode,
} from './types';

export { costUsd, type EndpointInput, endpointFromEnv, OPENAI_DEFAULT_BASE_URL } from './endpoint';

export interface LlmClientDeps {
  /** Replaces global fetch (tests route requests; proxies). */
  fetch?: FetchLike;
  /** Measures latencyMs and waits between bad-body retries. The package's own retry sleeps use real timers. */
  clock?: Clock;
  /** First wait before asking again after a body that is not a completion (doubling, at most 8 s). */
  retryBaseMs?: number;
}

export interface OpenAiLlmClient extends LlmClient {
  /** The output mode the next structured request starts with (only ever steps down). */
  readonly outputMode: OutputMode;
  /** The configured package client, for the Batch API and anything else on the same endpoint. */
  readonly sdk: OpenAI;
}

const MODES: readonly OutputMode[] = ['json_schema', 'json_object', 'text'];

/** The `openai` package client for an endpoint: same key, timeout, retries and error-body normalisation. */
export function createOpenAiSdk(endpoint: LlmEndpoint, deps: Pick<LlmClientDeps, 'fetch'> = {}): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseUrl,
    apiKey: endpoint.apiKey,
    // The package wants a positive integer; 0 would mean "time out at once", not "never".
    timeout: Math.max(1, Math.round(endpoint.timeoutMs)),
    maxRetries: Math.max(0, Math.floor(endpoint.maxRetries)),
    fetch: normalizingFetch(deps.fetch ?? ((input, init) => globalThis.fetch(input, init))),
    // OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment mean OpenAI; never send them to a local server.
    ...(isOpenAiHost(endpoint.baseUrl) ? {} : { organization: null, project: null }),
  });
}

export function createLlmClient(endpoint: LlmEndpoint, deps: LlmClientDeps = {}): OpenAiLlmClient {
  const clock = deps.clock ?? systemClock;
  const sdk = createOpenAiSdk(endpoint, deps);
  // Shared by concurrent calls: the first rejection steps everyone down; it never steps back up.
  let modeIndex = 0;

  async function call(request: ChatRequest, mode: OutputMode, started: number, signal?: AbortSignal) {
    const completion = await sdk.chat.completions.create(buildChatBody(endpoint, request, mode), { signal });
    return readCompletion(completion, endpoint, mode, clock.now() - started);
  }

  async function attempt(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    const started = clock.now();
    let index = request.jsonSchema ? modeIndex : MODES.length - 1;
    for (;;) {
      const mode = MODES[index]!;
      try {
        return await call(request, mode, started, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error;
        if (request.jsonSchema && index < MODES.length - 1 && isFormatRejection(error)) {
          index = Math.max(index + 1, modeIndex);
          modeIndex = Math.max(modeIndex, index);
          continue;
        }
        const mapped = toLlmCallError(error, { ...endpoint, chat: true });
        if (mapped) throw mapped;
        throw error;
      }
    }
  }

  async function complete(request: ChatRequest, outer?: AbortSignal): Promise<ChatResult> {
    // The package adds an abort listener per request and never removes it: a signal of this call's own keeps
    // a long run's interrupt signal from collecting thousands of them.
    const controller = new AbortController();
    const forward = () => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener('abort', forward, { once: true });
    try {
      for (let retry = 0; ; retry++) {
        try {
          return await attempt(request, controller.signal);
        } catch (error) {
          // The package retried transport faults itself; a 2xx body that is not a completion it did not.
          const again = error instanceof LlmCallError && error.badBody && retry < endpoint.maxRetries;
          if (!again) throw error;
          await clock.sleep(Math.min((deps.retryBaseMs ?? 500) * 2 ** retry, 8000), controller.signal);
        }
      }
    } finally {
      outer?.removeEventListener('abort', forward);
    }
  }

  return {
    endpoint,
    sdk,
    get outputMode() {
      return MODES[modeIndex]!;
    },
    complete,
  };
}
