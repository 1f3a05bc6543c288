import { systemClock } from '../core/clock';
import {
  type EndpointSettings,
  loadPipelineConfig,
  type PipelineConfig,
} from '../pipeline/config/pipelineConfig';
import { createLlmClient } from '../pipeline/supervise/llm/openaiClient';
import type { LlmClient, LlmEndpoint } from '../pipeline/supervise/llm/types';
import {
  resolveEndpoint as resolveEndpointFor,
  superviseConfig as superviseConfigFor,
} from '../pipeline/supervise/setup';
import type { SuperviseConfig } from '../pipeline/supervise/supervise';
import { intOption } from './args';

export const endpointOptions = {
  config: { type: 'string' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  'api-key': { type: 'string' },
  prompts: { type: 'string' },
  concurrency: { type: 'string' },
  batch: { type: 'string' },
  limit: { type: 'string' },
  retries: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

/** Flags over the config file (--retries over its maxRetries); the URL and key left open come from the environment. */
export function resolveEndpoint(
  settings: EndpointSettings,
  flags: { baseUrl?: string; model?: string; apiKey?: string; retries?: string },
  env: NodeJS.ProcessEnv = process.env,
): LlmEndpoint {
  const { retries, ...overrides } = flags;
  return resolveEndpointFor(
    { ...settings, maxRetries: intOption(retries, 'retries', settings.maxRetries) },
    overrides,
    env,
  );
}

/** The loop's settings, with --concurrency over the config's. */
export function superviseConfig(
  config: PipelineConfig,
  concurrencyFlag: string | undefined,
): SuperviseConfig {
  return superviseConfigFor(
    config,
    intOption(concurrencyFlag, 'concurrency', config.supervise.concurrency, 1),
  );
}

export function clientFor(endpoint: LlmEndpoint): LlmClient {
  return createLlmClient(endpoint, { clock: systemClock });
}

export { loadPipelineConfig };
