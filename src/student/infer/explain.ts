/**
 * Design goal: abstract in, explanation out, through exactly the path training used — the model's own prompt
 * template rendered by PromptFormat (the one function that builds prompt ids), the abstract cut from its end to
 * fit as training cuts it — then greedy decoding and the faithfulness marks. The CLI verb and the editor both
 * call this; neither builds prompts or picks tokens itself.
 */
import type { GenerationConfig } from '../config/generationConfig';
import { PromptFormat, promptTemplate } from '../data/template';
import { type DecodeTimings, greedyDecode, type StopReason } from './decoder';
import { type FaithfulnessOptions, type FaithfulnessReport, faithfulnessMarks } from './faithfulness';
import { processorsFor } from './logitsProcessors';
import type { InferenceModel } from './open';
import { type RepetitionStats, repetitionStats } from './repetition';

export interface ExplainOptions {
  readonly generation: GenerationConfig;
  /** EOS is suppressed until this many tokens were generated. Default 0 (off). */
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
  const format = new PromptFormat(tokenizer, promptTemplate(model.promptTemplate));
  const prompt = format.promptIds(abstract, {
    maxTokens: config.nPositions - g.maxNewTokens,
    minAbstractTokens: options.minAbstractTokens ?? 64,
  });
  const result = await greedyDecode(model.model, prompt.ids, {
    maxNewTokens: g.maxNewTokens,
    eosId: config.eosTokenId,
    stopAtEos: g.stopAtEos,
    processors: processorsFor({ ...g, minNewTokens: options.minNewTokens ?? 0 }, config.eosTokenId),
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
    timings: result.timings,
    faithfulness: faithfulnessMarks(abstract, explanation, options.faithfulness),
    tokenRepetition: repetitionStats(result.tokenIds, 4),
  };
}
