/**
 * From configuration to the pieces a supervision run needs: an endpoint (config file, then flags or editor
 * settings, then the environment, as the openai package reads it) and the loop's settings. Shared by the CLI verbs
 * and the editor's engine, so both ask the same teacher the same way.
 */
import type { EndpointSettings, PipelineConfig } from '../config/pipelineConfig';
import { endpointFromEnv } from './llm/openaiClient';
import type { LlmEndpoint } from './llm/types';
import type { SuperviseConfig } from './supervise';

/** Overrides over the config file; what both leave open (URL, key) comes from the environment. */
export function resolveEndpoint(
  settings: EndpointSettings,
  overrides: { baseUrl?: string; model?: string; apiKey?: string },
  env: NodeJS.ProcessEnv = process.env,
): LlmEndpoint {
  return endpointFromEnv(
    {
      baseUrl: overrides.baseUrl ?? settings.baseUrl ?? undefined,
      apiKey: overrides.apiKey,
      model: overrides.model ?? settings.model,
      temperature: settings.temperature,
      maxTokens: settings.maxTokens,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      inputCostPerMTok: settings.inputCostPerMTok,
      outputCostPerMTok: settings.outputCostPerMTok,
    },
    env,
  );
}

/** The loop's settings from the config; `concurrency` overrides the config's (the CLI's --concurrency). */
export function superviseConfig(config: PipelineConfig, concurrency?: number): SuperviseConfig {
  return {
    validators: config.validators,
    thresholds: {
      minFaithfulness: config.supervise.minFaithfulness,
      minOverall: config.supervise.minOverall,
    },
    maxAttempts: config.supervise.maxAttempts,
    maxJudgeAttempts: config.supervise.maxJudgeAttempts,
    concurrency: concurrency ?? config.supervise.concurrency,
    maxAbstractChars: config.supervise.maxAbstractChars,
  };
}
