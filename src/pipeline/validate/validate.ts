// Runs every v1-explanation rule over one row and says, per rule and overall, whether the row meets the contract.
import { checkBannedPhrases } from './bannedPhrases';
import { checkCopyOverlap } from './copyOverlap';
import { checkFormat } from './format';
import { checkIdMatch } from './idMatch';
import { checkNewNumbers } from './newNumbers';
import { checkParagraphs } from './paragraphs';
import {
  defaultValidatorConfig,
  type Rule,
  type RuleName,
  ruleNames,
  type ValidationError,
  type ValidationInput,
  type ValidatorConfig,
} from './types';
import { checkWordRange } from './wordRange';

export const rules: Record<RuleName, Rule> = {
  id_match: checkIdMatch,
  word_range: checkWordRange,
  paragraphs: checkParagraphs,
  format: checkFormat,
  banned_phrases: checkBannedPhrases,
  copy_overlap: checkCopyOverlap,
  new_numbers: checkNewNumbers,
};

export interface ValidationResult {
  ok: boolean;
  errors: ValidationError[];
  /** true where the rule passed (or is disabled). */
  byRule: Record<RuleName, boolean>;
}

/** All rules always run (no early exit), so one repair prompt can list every defect at once. */
export function validateExplanation(
  input: ValidationInput,
  config: ValidatorConfig = defaultValidatorConfig,
): ValidationResult {
  const errors: ValidationError[] = [];
  const byRule = {} as Record<RuleName, boolean>;
  for (const name of ruleNames) {
    const found = config.disabled.includes(name) ? [] : rules[name](input, config);
    byRule[name] = found.length === 0;
    errors.push(...found);
  }
  return { ok: errors.length === 0, errors, byRule };
}
