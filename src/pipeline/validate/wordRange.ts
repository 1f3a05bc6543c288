// Rule word_range: the explanation is long enough to explain a mechanism and short enough to stay a summary.
import { countWords } from './text';
import type { ValidationError, ValidationInput, ValidatorConfig } from './types';

export function checkWordRange(input: ValidationInput, config: ValidatorConfig): ValidationError[] {
  const words = countWords(input.explanation);
  const details = { words, min: config.minWords, max: config.maxWords };
  if (words < config.minWords) {
    return [
      {
        rule: 'word_range',
        code: 'too_short',
        message: `Too short: ${words} words (min ${config.minWords})`,
        details,
      },
    ];
  }
  if (words > config.maxWords) {
    return [
      {
        rule: 'word_range',
        code: 'too_long',
        message: `Too long: ${words} words (max ${config.maxWords})`,
        details,
      },
    ];
  }
  return [];
}
