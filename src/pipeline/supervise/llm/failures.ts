/**
 * Turns what the `openai` package throws into the three decisions the pipeline makes (LlmCallError kinds), and
 * recognises "this endpoint does not do that response_format" so the client can step down a mode instead of
 * failing. By the time an error reaches here the package has already done its retries (429/5xx/timeouts).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describeError } from '../../../core/errors';
import { LlmCallError } from './types';

/** What messages need to say where, for which model and how patiently we asked. */
export interface CallContext {
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  /** A chat-completion call: a 404/405 then means the base URL leads nowhere, not a missing resource. */
  chat?: boolean;
}

/** OpenAI's code for a used-up account; other servers copy it, or say so in words. */
const QUOTA = /insufficient_quota|exceeded your current quota|quota (?:is )?exceeded|billing/i;
const MODEL_WORDS = /\bmodel\b/i;

/**
 * Statuses endpoints use for an unsupported response_format: 400 (OpenAI, vLLM), 422 (FastAPI validation),
 * 404/501 (not implemented), and 500 (older llama.cpp / ik_llama.cpp throw "response_format type must be one
 * of "text" or "json_object"" as a server_error).
 */
const FORMAT_REJECTION_STATUSES = new Set([400, 404, 422, 500, 501]);
const FORMAT_WORDS = /response[_ ]?format|json[_ ]?schema|json[_ ]?object|structured output|guided|grammar/i;
/** OpenAI's complaint about the schema itself: stepping down would hide a bug in our schema. */
const BAD_SCHEMA = /invalid schema/i;

export function isFormatRejection(error: unknown): boolean {
  if (!(error instanceof APIError) || error.status === undefined) return false;
  if (!FORMAT_REJECTION_STATUSES.has(error.status)) return false;
  const text = `${error.message} ${safeStringify(error.error)}`;
  return FORMAT_WORDS.test(text) && !BAD_SCHEMA.test(text);
}

/** Null when `error` is not something the endpoint did (a bug of ours, or the caller's abort). */
export function toLlmCallError(error: unknown, endpoint: CallContext): LlmCallError | null {
  if (error instanceof LlmCallError) return error;
  if (error instanceof APIUserAbortError) return null;
  const where = endpoint.baseUrl;
  const attempts = `${endpoint.maxRetries + 1} attempt${endpoint.maxRetries === 0 ? '' : 's'}`;
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmCallError(
      'unavailable',
      `${where} did not answer within ${endpoint.timeoutMs} ms (${attempts})`,
      null,
      {
        cause: error,
      },
    );
  }
  if (error instanceof APIConnectionError) {
    const cause = error.cause === undefined ? error.message : describeError(error.cause);
    return new LlmCallError('unavailable', `cannot reach ${where} (${attempts}): ${cause}`, null, {
      cause: error,
    });
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const message = `${where} answered ${error.message}`;
    const said = `${error.message} ${String(error.code ?? '')} ${String(error.type ?? '')}`;
    if (status === 401 || status === 403) return new LlmCallError('auth', message, status, { cause: error });
    if (status === 429 && QUOTA.test(said))
      return new LlmCallError('quota', message, status, { cause: error });
    if (error.code === 'model_not_found' || (status === 404 && MODEL_WORDS.test(error.message))) {
      return new LlmCallError('model', message, status, { cause: error });
    }
    if (endpoint.chat && (status === 404 || status === 405)) {
      // No such path: the base URL does not lead to an OpenAI-style /chat/completions.
      return new LlmCallError('endpoint', message, status, { cause: error });
    }
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return new LlmCallError('unavailable', `${message} (${attempts})`, status, { cause: error });
    }
    return new LlmCallError('rejected', message, status, { cause: error });
  }
  if (error instanceof SyntaxError) {
    // The package parses JSON bodies itself: one that does not parse was cut off or garbled on the way.
    return new LlmCallError(
      'unavailable',
      `${where} answered with JSON that does not parse: ${error.message}`,
      null,
      {
        cause: error,
        badBody: true,
      },
    );
  }
  return null;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
