/**
 * Turns a teacher's raw text into an explanation, or into the list of reasons it is not one: unparseable JSON,
 * a missing field, a refusal or an answer in another language, then every v1 validator. The same errors drive the
 * regeneration prompt and are stored with the call.
 */

import type { StoredError } from '../store/supervision';
import type { ValidatorConfig } from '../validate/types';
import { validateExplanation } from '../validate/validate';
import { extractJsonObject } from './json/extractJson';
import type { JsonSchemaSpec } from './llm/types';

/** What the teacher is asked to return; the stored row adds title, abstract and the judge's verdict. */
export const teacherAnswerSchema: JsonSchemaSpec = {
  name: 'teacher_explanation',
  schema: {
    type: 'object',
    properties: {
      id: { type: 'string', description: 'The arXiv id given in the prompt, unchanged.' },
      target_explanation: {
        type: 'string',
        description: 'The explanation, paragraphs separated by a blank line.',
      },
    },
    required: ['id', 'target_explanation'],
    additionalProperties: false,
  },
};

export interface TeacherAnswerCheck {
  explanation: string | null;
  parsed: Record<string, unknown> | null;
  repairs: string[];
  errors: StoredError[];
}

const englishFunctionWords = new Set(
  'the of and to a in is that it for as with by on are this be from at or an which its their these can than into its was were has have not also more when where how through'.split(
    ' ',
  ),
);

/** Share of words that are common English function words; English prose sits around 0.3–0.5. */
export function englishShare(text: string): number {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (words.length === 0) return 0;
  return words.filter((w) => englishFunctionWords.has(w)).length / words.length;
}

const refusalPattern =
  /^\s*(?:i(?:'m| am) (?:sorry|unable)|i can(?:not|'t) (?:help|assist|provide|comply)|as an ai\b)/i;

export function checkTeacherAnswer(
  raw: string,
  paper: { id: string; abstract: string },
  config: ValidatorConfig,
): TeacherAnswerCheck {
  const extracted = extractJsonObject(raw);
  if ('error' in extracted) {
    const refusal = refusalPattern.test(raw);
    return {
      explanation: null,
      parsed: null,
      repairs: [],
      errors: [
        refusal
          ? { rule: 'answer', code: 'refusal', message: 'The answer is a refusal, not an explanation' }
          : {
              rule: 'answer',
              code: 'non_json',
              message: `The answer is not a JSON object: ${extracted.error}`,
            },
      ],
    };
  }
  const parsed = extracted.value;
  const explanation =
    typeof parsed['target_explanation'] === 'string' ? parsed['target_explanation'].trim() : '';
  const answerId = typeof parsed['id'] === 'string' ? parsed['id'] : '';
  if (!explanation) {
    return {
      explanation: null,
      parsed,
      repairs: extracted.repaired,
      errors: [
        {
          rule: 'answer',
          code: 'missing_field',
          message: 'The JSON has no non-empty "target_explanation" string',
        },
      ],
    };
  }
  const errors: StoredError[] = [];
  if (refusalPattern.test(explanation)) {
    errors.push({ rule: 'answer', code: 'refusal', message: 'The explanation is a refusal' });
  } else if (englishShare(explanation) < 0.15) {
    errors.push({ rule: 'answer', code: 'language', message: 'The explanation is not written in English' });
  }
  const validation = validateExplanation(
    { id: answerId, expectedId: paper.id, abstract: paper.abstract, explanation },
    config,
  );
  errors.push(...validation.errors.map((e) => ({ rule: e.rule, code: e.code, message: e.message })));
  return { explanation, parsed, repairs: extracted.repaired, errors };
}
