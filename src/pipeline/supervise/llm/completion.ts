/**
 * Reads a chat-completion body (from a live call or a Batch API output line, so typed as unknown) into our
 * ChatResult. Servers vary: local ones may omit usage (tokens then count as 0) or model. A refusal is the model
 * declining this request; a body that is not a completion at all (no `choices`, an HTML page, an event stream)
 * is the endpoint's fault, never the paper's.
 */
import { sniffHtml } from '../../arxiv/xml';
import { costUsd } from './endpoint';
import { type ChatResult, LlmCallError, type LlmEndpoint, type OutputMode } from './types';

/** What came back instead of a completion object, for the message; null when it is a JSON object. */
function notACompletion(body: unknown): { what: string; endpoint: boolean } | null {
  if (typeof body === 'string') {
    const html = sniffHtml(body);
    if (html !== null) return { what: `an HTML page ("${html}")`, endpoint: true };
    if (/^\s*(?:data|event|id|retry):/.test(body))
      return { what: 'an event stream (server-sent events), though no stream was asked for', endpoint: true };
    const start = JSON.stringify(body.trim().slice(0, 60));
    return { what: `a body that is not JSON, starting ${start}`, endpoint: true };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { what: `JSON that is not an object (${JSON.stringify(body)?.slice(0, 60)})`, endpoint: false };
  }
  return null;
}

export function readCompletion(
  body: unknown,
  endpoint: LlmEndpoint,
  mode: OutputMode,
  latencyMs: number,
  costFactor = 1,
): ChatResult {
  const wrong = notACompletion(body);
  if (wrong) {
    throw new LlmCallError(
      wrong.endpoint ? 'endpoint' : 'unavailable',
      `${endpoint.baseUrl} answered with ${wrong.what}, not a chat completion`,
      null,
      { badBody: true },
    );
  }
  const record = asRecord(body);
  const choices = record?.['choices'];
  const first = Array.isArray(choices) ? asRecord(choices[0]) : null;
  const message = asRecord(first?.['message']);
  if (!first || !message) {
    const shape =
      choices === undefined
        ? 'without "choices"'
        : !Array.isArray(choices)
          ? `with "choices" that is not a list (${typeof choices})`
          : choices.length === 0
            ? 'with an empty "choices" list'
            : 'with a choice that has no "message"';
    throw new LlmCallError('unavailable', `${endpoint.baseUrl} answered a completion ${shape}`, null, {
      badBody: true,
    });
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
