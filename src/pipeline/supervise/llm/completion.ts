/**
 * Reads a chat-completion body (from a live call or a Batch API output line, so typed as unknown) into our
 * ChatResult. Servers vary: local ones may omit usage (tokens then count as 0) or model; a refusal or an empty
 * choice list is the endpoint declining this request.
 */
import { costUsd } from './endpoint';
import { type ChatResult, LlmCallError, type LlmEndpoint, type OutputMode } from './types';

export function readCompletion(
  body: unknown,
  endpoint: LlmEndpoint,
  mode: OutputMode,
  latencyMs: number,
  costFactor = 1,
): ChatResult {
  const record = asRecord(body);
  const choices = record?.['choices'];
  const first = Array.isArray(choices) ? asRecord(choices[0]) : null;
  const message = asRecord(first?.['message']);
  if (!first || !message) {
    throw new LlmCallError('rejected', `${endpoint.baseUrl} answered without a choice`, null);
  }
  const refusal = message['refusal'];
  if (typeof refusal === 'string' && refusal !== '') {
    throw new LlmCallError('rejected', `the model refused: ${refusal}`, null);
  }
  const content = message['content'];
  const usage = asRecord(record?.['usage']);
  const inputTokens = count(usage?.['prompt_tokens']);
  const outputTokens = count(usage?.['completion_tokens']);
  const model = record?.['model'];
  const finishReason = first['finish_reason'];
  return {
    text: typeof content === 'string' ? content : '',
    mode,
    model: typeof model === 'string' && model !== '' ? model : endpoint.model,
    inputTokens,
    outputTokens,
    costUsd: costUsd(endpoint, inputTokens, outputTokens, costFactor),
    finishReason: typeof finishReason === 'string' ? finishReason : null,
    latencyMs,
  };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
