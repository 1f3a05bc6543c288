/**
 * The scorecard: one score per explanation, against its abstract and (when there is one) the teacher's
 * explanation, and their aggregate — the same card for the student, the original study's untuned GPT-2 baseline
 * and any other model's outputs. Style compliance is the v1 validators of the supervision pipeline run as they
 * judge the teacher (validateExplanation, id_match aside: a model echoes no id); new numbers and repetition are
 * the faithfulness marks the editor shows (faithfulnessMarks); the rest are in metrics/.
 */

import { newEntities } from '../../pipeline/validate/entities';
import { countWords, overlapTokens } from '../../pipeline/validate/text';
import { type RuleName, ruleNames, type ValidatorConfig } from '../../pipeline/validate/types';
import { validateExplanation } from '../../pipeline/validate/validate';
import { faithfulnessMarks } from '../infer';
import { distinctN } from './metrics/ngrams';
import { fleschKincaidGrade } from './metrics/readability';
import { rougeL } from './metrics/rougeL';

/** The rules a model's explanation is held to: all but id_match. */
export const SCORED_RULES = ruleNames.filter((r) => r !== 'id_match') as Exclude<RuleName, 'id_match'>[];
export type ScoredRule = (typeof SCORED_RULES)[number];

export interface ScoreInput {
  id: string;
  abstract: string;
  title?: string;
  explanation: string;
  target: string | null;
  /** null when the writer of the explanation is unknown (a file of outputs that does not say). */
  endedWithEos: boolean | null;
}

export interface ExplanationScore {
  id: string;
  words: number;
  /** true where the rule passed. */
  rules: Record<ScoredRule, boolean>;
  /** Every scored rule passed. */
  valid: boolean;
  /** The validators' messages, for the report. */
  errors: string[];
  /** F1 against the teacher's explanation; null without one. */
  rougeL: number | null;
  /** Share of the word 4-grams repeating an earlier one (seq-rep-4). */
  repeat4gram: number;
  distinct2: number;
  endedWithEos: boolean | null;
  newNumbers: string[];
  newEntities: string[];
  fkGrade: number | null;
}

export function scoreExplanation(input: ScoreInput, validators: ValidatorConfig): ExplanationScore {
  const { abstract, explanation } = input;
  const config: ValidatorConfig = { ...validators, disabled: [...validators.disabled, 'id_match'] };
  const verdict = validateExplanation({ id: input.id, expectedId: input.id, abstract, explanation }, config);
  const faithfulness = faithfulnessMarks(abstract, explanation, { validators: config });
  const rules = Object.fromEntries(SCORED_RULES.map((r) => [r, verdict.byRule[r]])) as Record<
    ScoredRule,
    boolean
  >;
  return {
    id: input.id,
    words: countWords(explanation),
    rules,
    valid: SCORED_RULES.every((r) => rules[r]),
    errors: verdict.errors.map((e) => `${e.rule}: ${e.message}`),
    rougeL: input.target === null ? null : rougeL(explanation, input.target).f1,
    repeat4gram: faithfulness.repetition.repeatedNgramShare,
    distinct2: distinctN(overlapTokens(explanation), 2),
    endedWithEos: input.endedWithEos,
    newNumbers: faithfulness.newNumbers,
    newEntities: newEntities(`${input.title ?? ''}\n${abstract}`, explanation),
    fkGrade: fleschKincaidGrade(explanation),
  };
}

/** The aggregate card; field names are the `eval --json` contract. */
export interface Scorecard {
  n: number;
  /** Share of explanations passing each rule, and all of them (`all`). */
  pass_rate: Record<ScoredRule | 'all', number>;
  /** Mean ROUGE-L F1 over the explanations that have a teacher's; null when none has. */
  rouge_l: number | null;
  /** Explanations with a teacher's explanation to compare with. */
  with_target: number;
  /** Share that ended with EOS, over those where it is known; null when unknown for all. */
  eos_rate: number | null;
  repeat_4gram: number;
  distinct_2: number;
  /** Share of explanations with at least one number not in the abstract. */
  new_numbers_rate: number;
  /** Share of explanations naming at least one entity the abstract does not. */
  new_entities_rate: number;
  /** Mean Flesch–Kincaid grade (explanations with words). */
  fk_grade: number | null;
  words_mean: number;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

const share = (scores: readonly ExplanationScore[], test: (s: ExplanationScore) => boolean) =>
  scores.filter(test).length / scores.length;

export function aggregate(scores: readonly ExplanationScore[]): Scorecard {
  if (scores.length === 0) throw new RangeError('aggregate: no scores');
  const pass = Object.fromEntries(SCORED_RULES.map((r) => [r, share(scores, (s) => s.rules[r])])) as Record<
    ScoredRule | 'all',
    number
  >;
  pass.all = share(scores, (s) => s.valid);
  const rouge = scores.flatMap((s) => (s.rougeL === null ? [] : [s.rougeL]));
  const eos = scores.flatMap((s) => (s.endedWithEos === null ? [] : [s.endedWithEos ? 1 : 0]));
  return {
    n: scores.length,
    pass_rate: pass,
    rouge_l: mean(rouge),
    with_target: rouge.length,
    eos_rate: mean(eos),
    repeat_4gram: mean(scores.map((s) => s.repeat4gram))!,
    distinct_2: mean(scores.map((s) => s.distinct2))!,
    new_numbers_rate: share(scores, (s) => s.newNumbers.length > 0),
    new_entities_rate: share(scores, (s) => s.newEntities.length > 0),
    fk_grade: mean(scores.flatMap((s) => (s.fkGrade === null ? [] : [s.fkGrade]))),
    words_mean: mean(scores.map((s) => s.words))!,
  };
}

/** Which way is better for each headline figure (for "beats the baseline" marks). */
export const BETTER: Readonly<Record<string, 'higher' | 'lower'>> = {
  rouge_l: 'higher',
  eos_rate: 'higher',
  repeat_4gram: 'lower',
  distinct_2: 'higher',
  new_numbers_rate: 'lower',
  new_entities_rate: 'lower',
};

/** Scores every input and their aggregate. */
export function scoreAll(
  inputs: readonly ScoreInput[],
  validators: ValidatorConfig,
): { scores: ExplanationScore[]; card: Scorecard } {
  const scores = inputs.map((input) => scoreExplanation(input, validators));
  return { scores, card: aggregate(scores) };
}
