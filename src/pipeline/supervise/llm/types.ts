/**
 * The seam between the supervision pipeline and any OpenAI-compatible endpoint (OpenAI, llama.cpp's server,
 * Ollama, vLLM). The pipeline speaks only these types; the `openai` package lives behind them.
 */

export interface LlmEndpoint {
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:8080/v1 (llama.cpp), http://127.0.0.1:11434/v1 (Ollama). */
  baseUrl: string;
  apiKey: string;
  model: string;
  temperature: number;
  maxTokens: number;
  /** Per request. */
  timeoutMs: number;
  /** Retries on 429/5xx/timeouts/connection errors (never on 400/401/403/404). */
  maxRetries: number;
  /** USD per million tokens, for the running cost; 0 for local models. */
  inputCostPerMTok: number;
  outputCostPerMTok: number;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** How the answer was constrained; endpoints that reject one mode are asked again with the next. */
export type OutputMode = 'json_schema' | 'json_object' | 'text';

export interface JsonSchemaSpec {
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** When given, structured output is requested (json_schema → json_object → text, as the endpoint allows). */
  jsonSchema?: JsonSchemaSpec;
}

export interface ChatResult {
  text: string;
  mode: OutputMode;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  finishReason: string | null;
  latencyMs: number;
}

/** Why a call failed, so the caller can decide: record and move on, retry later, or stop the run. */
export type LlmFailureKind =
  /** Wrong key or no permission: every further call would fail the same way. Stop the run. */
  | 'auth'
  /** The endpoint does not serve the configured model (404 model_not_found): stop the run, naming the model. */
  | 'model'
  /** The account's quota or credit is used up (429 insufficient_quota): no retry helps today. Stop the run. */
  | 'quota'
  /**
   * What answered is not an OpenAI-compatible chat endpoint (an HTML page, an event stream, a 404 for the path):
   * a wrong base URL. Stop the run.
   */
  | 'endpoint'
  /**
   * Endpoint unreachable, timed out, 429/5xx after retries, or a body that is not a usable completion (no
   * `choices`): leave the paper for a later run.
   */
  | 'unavailable'
  /** The endpoint rejected this request (400, context too long, a refusal): record it for this paper. */
  | 'rejected';

/** Failures after which no further call of the run can succeed: the run stops at once, papers stay pending. */
export const runStoppingFailures: readonly LlmFailureKind[] = ['auth', 'model', 'quota', 'endpoint'];

export class LlmCallError extends Error {
  override readonly name = 'LlmCallError';
  /** The endpoint answered 2xx with a body that is not a usable completion: worth asking again. */
  readonly badBody: boolean;
  constructor(
    readonly kind: LlmFailureKind,
    message: string,
    readonly status: number | null = null,
    options?: { cause?: unknown; badBody?: boolean },
  ) {
    super(message, options);
    this.badBody = options?.badBody === true;
  }
}

export interface LlmClient {
  readonly endpoint: LlmEndpoint;
  complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult>;
}
