import { systemClock } from '../core/clock';
import {
  type EndpointSettings,
  loadPipelineConfig,
  type PipelineConfig,
} from '../pipeline/config/pipelineConfig';
import { createLlmClient, endpointFromEnv } from '../pipeline/supervise/llm/openaiClient';
import type { LlmClient, LlmEndpoint } from '../pipeline/supervise/llm/types';
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

/** Flags over the config file; what both leave open (URL, key) comes from the environment as the openai package does. */
export function resolveEndpoint(
  settings: EndpointSettings,
  flags: { baseUrl?: string; model?: string; apiKey?: string; retries?: string },
  env: NodeJS.ProcessEnv = process.env,
): LlmEndpoint {
  return endpointFromEnv(
    {
      baseUrl: flags.baseUrl ?? settings.baseUrl ?? undefined,
      apiKey: flags.apiKey,
      model: flags.model ?? settings.model,
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
      timeoutMs: settings.timeoutMs,
      maxRetries: intOption(flags.retries, 'retries', settings.maxRetries),
      inputCostPerMTok: settings.inputCostPerMTok,
      outputCostPerMTok: settings.outputCostPerMTok,
    },
    env,
  );
}

export function superviseConfig(
  config: PipelineConfig,
  concurrencyFlag: string | undefined,
): SuperviseConfig {
  return {
    validators: config.validators,
    thresholds: {
      minFaithfulness: config.supervise.minFaithfulness,
      minOverall: config.supervise.minOverall,
    },
    maxAttempts: config.supervise.maxAttempts,
    maxJudgeAttempts: config.supervise.maxJudgeAttempts,
    concurrency: intOption(concurrencyFlag, 'concurrency', config.supervise.concurrency, 1),
    maxAbstractChars: config.supervise.maxAbstractChars,
  };
}

export function clientFor(endpoint: LlmEndpoint): LlmClient {
  return createLlmClient(endpoint, { clock: systemClock });
}

export { loadPipelineConfig };
