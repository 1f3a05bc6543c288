/**
 * Design goal: abstract in, explanation out, through exactly the path training used — the model's own prompt
 * template rendered by PromptFormat (the one function that builds prompt ids), fitted to the model's positions
 * (fit.ts: the generation budget shrinks first, then the abstract is cut from its end as training cuts it) —
 * then greedy decoding and the faithfulness marks. The CLI verb and the editor both call this; neither builds
 * prompts or picks tokens itself.
 */
import { MiniAstroError } from '../../core/errors';
import { defaultGenerationConfig, type GenerationConfig } from '../config/generationConfig';
import { PromptFormat, promptTemplate } from '../data/template';
import { type DecodeTimings, greedyDecode, type StopReason } from './decoder';
import { type FaithfulnessOptions, type FaithfulnessReport, faithfulnessMarks } from './faithfulness';
import { fitPrompt, type GenerationFit } from './fit';
import { processorsFor } from './logitsProcessors';
import type { InferenceModel } from './open';
import { type RepetitionStats, repetitionStats } from './repetition';

export interface ExplainOptions {
  readonly generation: GenerationConfig;
  /** EOS is suppressed until this many tokens were generated. Default 0 (off); more than maxNewTokens is an error. */
  readonly minNewTokens?: number;
  /** At least this many abstract tokens must stay when the prompt is cut to fit (as in training). Default 64. */
  readonly minAbstractTokens?: number;
  readonly faithfulness?: FaithfulnessOptions;
  readonly onToken?: (id: number, index: number) => void;
  readonly signal?: AbortSignal;
}

export interface Explanation {
  /** Generated text without the EOS, outer whitespace trimmed (mark offsets refer to this string). */
  readonly explanation: string;
  /** Generated tokens, EOS included. */
  readonly tokens: number;
  readonly tokenIds: number[];
  readonly stop: StopReason;
  readonly promptTokens: number;
  /** Abstract tokens cut from its end so the prompt and the new tokens fit the model's positions. */
  readonly droppedAbstractTokens: number;
  /** How the prompt and the generation budget were fitted to the model's positions (fit.ts). */
  readonly fit: GenerationFit;
  readonly timings: DecodeTimings;
  readonly faithfulness: FaithfulnessReport;
  /** Repetition over the model's tokens (the faithfulness report has it over words). */
  readonly tokenRepetition: RepetitionStats;
}

export async function explainAbstract(
  model: InferenceModel,
  abstract: string,
  options: ExplainOptions,
): Promise<Explanation> {
  const { config, tokenizer } = model;
  const g = options.generation;
  const minNew = options.minNewTokens ?? 0;
  if (minNew > g.maxNewTokens) {
    throw new MiniAstroError(
      'usage',
      `minNewTokens ${minNew} is more than maxNewTokens ${g.maxNewTokens}: the minimum could never be met.`,
      'Make the minimum at most the maximum (e.g. --min-new-tokens 50 --max-new-tokens 320).',
    );
  }
  const format = new PromptFormat(tokenizer, promptTemplate(model.promptTemplate));
  const { prompt, fit } = fitPrompt(format, abstract, {
    positions: config.nPositions,
    maxNewTokens: g.maxNewTokens,
    maxNewTokensFloor: g.maxNewTokensFloor ?? defaultGenerationConfig.maxNewTokensFloor,
    minAbstractTokens: options.minAbstractTokens ?? 64,
  });
  const result = await greedyDecode(model.model, prompt.ids, {
    maxNewTokens: fit.maxNewTokens,
    eosId: config.eosTokenId,
    stopAtEos: g.stopAtEos,
    processors: processorsFor({ ...g, minNewTokens: minNew }, config.eosTokenId),
    tokenizer,
    ...(options.onToken ? { onToken: options.onToken } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const explanation = result.text.trim();
  return {
    explanation,
    tokens: result.tokenIds.length,
    tokenIds: result.tokenIds,
    stop: result.stop,
    promptTokens: result.promptTokens,
    droppedAbstractTokens: prompt.droppedAbstractTokens,
    fit,
    timings: result.timings,
    faithfulness: faithfulnessMarks(abstract, explanation, options.faithfulness),
    tokenRepetition: repetitionStats(result.tokenIds, 4),
  };
}
