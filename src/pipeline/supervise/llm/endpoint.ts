/**
 * Where an endpoint's URL and key come from, resolved the way the `openai` package itself does (explicit value,
 * then OPENAI_BASE_URL / OPENAI_API_KEY), but failing early with a message a user can act on instead of deep
 * inside the first request. Local servers (llama.cpp, Ollama, vLLM) ignore the key, so a placeholder is fine.
 */
import { MiniAstroError } from '../../../core/errors';
import type { LlmEndpoint } from './types';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Sent to local servers when no key is configured: they ignore it, and the `openai` package requires one. */
export const PLACEHOLDER_API_KEY = 'sk-no-key-required';

/** Defaults for what the caller leaves out: deterministic-ish, room for a ~220-word answer in JSON, patient. */
export const ENDPOINT_DEFAULTS = {
  temperature: 0.2,
  maxTokens: 1024,
  timeoutMs: 120_000,
  maxRetries: 3,
  inputCostPerMTok: 0,
  outputCostPerMTok: 0,
} as const;

export type EndpointInput = Partial<LlmEndpoint> & Pick<LlmEndpoint, 'model'>;

export function endpointFromEnv(
  partial: EndpointInput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LlmEndpoint {
  const baseUrl = (
    nonBlank(partial.baseUrl) ??
    nonBlank(env['OPENAI_BASE_URL']) ??
    OPENAI_DEFAULT_BASE_URL
  ).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new MiniAstroError(
      'usage',
      `LLM base URL is not a URL: ${baseUrl}`,
      'Use a full URL such as https://api.openai.com/v1 or http://127.0.0.1:8080/v1.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MiniAstroError('usage', `LLM base URL must be http(s): ${baseUrl}`, 'Use http:// or https://.');
  }
  let apiKey = nonBlank(partial.apiKey) ?? nonBlank(env['OPENAI_API_KEY']);
  if (!apiKey) {
    if (isOpenAiHost(baseUrl)) {
      throw new MiniAstroError(
        'usage',
        'OPENAI_API_KEY is not set, and api.openai.com needs a key.',
        'Set OPENAI_API_KEY (or the endpoint apiKey), or point the base URL (OPENAI_BASE_URL) at a local ' +
          'OpenAI-compatible server such as llama.cpp (http://127.0.0.1:8080/v1) or Ollama (http://127.0.0.1:11434/v1).',
      );
    }
    apiKey = PLACEHOLDER_API_KEY;
  }
  return {
    ...ENDPOINT_DEFAULTS,
    ...definedOnly(partial),
    baseUrl,
    apiKey,
    model: partial.model,
  };
}

export function isOpenAiHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname.toLowerCase() === 'api.openai.com';
  } catch {
    return false;
  }
}

/** Cost of one call; `factor` is 0.5 for the Batch API's discount. */
export function costUsd(
  endpoint: LlmEndpoint,
  inputTokens: number,
  outputTokens: number,
  factor = 1,
): number {
  return (
    (factor * (inputTokens * endpoint.inputCostPerMTok + outputTokens * endpoint.outputCostPerMTok)) / 1e6
  );
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** `{timeoutMs: undefined}` must not override a default. */
function definedOnly(partial: EndpointInput): Partial<LlmEndpoint> {
  return Object.fromEntries(
    Object.entries(partial).filter(([, v]) => v !== undefined),
  ) as Partial<LlmEndpoint>;
}
