// Rule paragraphs: the explanation keeps the contract's paragraph flow (setting, terms, mechanism, claims).
import { countWords, splitParagraphs } from './text';
import type { ValidationError, ValidationInput, ValidatorConfig } from './types';

function expected({ min, max }: ValidatorConfig['paragraphs']): string {
  if (min === max) return `${min} paragraph${min === 1 ? '' : 's'}`;
  return `${min}–${max} paragraphs`;
}

export function checkParagraphs(input: ValidationInput, config: ValidatorConfig): ValidationError[] {
  const paragraphs = splitParagraphs(input.explanation);
  const { min, max } = config.paragraphs;
  const errors: ValidationError[] = [];
  if (paragraphs.length < min || paragraphs.length > max) {
    errors.push({
      rule: 'paragraphs',
      code: 'paragraph_count',
      message: `Expected ${expected(config.paragraphs)}; found ${paragraphs.length}`,
      details: { found: paragraphs.length, min, max },
    });
  }
  // A two-word "paragraph" is a heading or a label left on its own line: the count would pass while the flow is broken.
  const short = paragraphs
    .map((p, i) => ({ index: i + 1, words: countWords(p) }))
    .filter((p) => p.words < config.minParagraphWords);
  if (short.length > 0) {
    errors.push({
      rule: 'paragraphs',
      code: 'short_paragraph',
      message: `Paragraph${short.length > 1 ? 's' : ''} ${short.map((p) => p.index).join(', ')} too short (${short
        .map((p) => `${p.words} words`)
        .join(', ')}; min ${config.minParagraphWords})`,
      details: { short, minParagraphWords: config.minParagraphWords },
    });
  }
  return errors;
}
