/**
 * configs/generation.yaml → how the student writes an explanation: greedy decoding (the most likely token at each
 * step, so a given checkpoint and abstract always give the same text), with optional anti-repetition. Defaults
 * live here; the YAML documents them with equal values and may override them.
 */
import { ConfigReader } from '../../core/configFields';
import { readYamlConfig, section } from './yamlFile';

export interface GenerationConfig {
  /** Tokens generated at most after the prompt (EOS included). */
  maxNewTokens: number;
  /** Stop at the first `<|endoftext|>`; off only to inspect what the model does after it. */
  stopAtEos: boolean;
  /**
   * CTRL/HF penalty on tokens already in the prompt or output: a positive logit is divided by it, a negative one
   * multiplied. 1 = off.
   */
  repetitionPenalty: number;
  /** Forbid repeating any n-gram of this many tokens already generated. 0 = off. */
  noRepeatNgramSize: number;
  /**
   * When the prompt and maxNewTokens do not both fit the model's positions, maxNewTokens shrinks to what fits but
   * never below this (nor above maxNewTokens); past it the abstract is cut instead (src/student/infer/fit.ts).
   * Optional for callers that build a config by hand (the default below applies); the reader always sets it.
   */
  maxNewTokensFloor?: number;
}

export const defaultGenerationConfig: Required<GenerationConfig> = {
  maxNewTokens: 320,
  stopAtEos: true,
  repetitionPenalty: 1.0,
  noRepeatNgramSize: 0,
  maxNewTokensFloor: 64,
};

const reader: ConfigReader = new ConfigReader(
  'Fix configs/generation.yaml (or the generation config file you passed); each key is documented there.',
);

export function generationConfigFrom(parsed: unknown): Required<GenerationConfig> {
  const d = defaultGenerationConfig;
  const r = section(reader, parsed, 'generation.yaml', Object.keys(d));
  return {
    maxNewTokens: reader.int(r['maxNewTokens'], 'maxNewTokens', 1, d.maxNewTokens),
    stopAtEos: reader.bool(r['stopAtEos'], 'stopAtEos', d.stopAtEos),
    // Below 1 would reward repetition, which no one wants from greedy decoding.
    repetitionPenalty: reader.number(r['repetitionPenalty'], 'repetitionPenalty', 1, 10, d.repetitionPenalty),
    noRepeatNgramSize: reader.int(r['noRepeatNgramSize'], 'noRepeatNgramSize', 0, d.noRepeatNgramSize),
    maxNewTokensFloor: reader.int(r['maxNewTokensFloor'], 'maxNewTokensFloor', 1, d.maxNewTokensFloor),
  };
}

/** Reads `file`, or the package's configs/generation.yaml when none is given. */
export function loadGenerationConfig(file?: string): Required<GenerationConfig> {
  return generationConfigFrom(readYamlConfig(file, 'generation.yaml'));
}
