/** The JSON schema the judge is asked to follow (structured output where the endpoint supports it). */
import type { JsonSchemaSpec } from './llm/types';
import { errorTags } from './verdict';

const score = (max: number) => ({ type: 'integer', minimum: 0, maximum: max });

export const judgeVerdictSchema: JsonSchemaSpec = {
  name: 'judge_verdict',
  schema: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      scores: {
        type: 'object',
        properties: {
          faithfulness: score(5),
          clarity: score(5),
          jargon: score(5),
          structure: score(5),
          uncertainty: score(5),
          overall: score(100),
        },
        required: ['faithfulness', 'clarity', 'jargon', 'structure', 'uncertainty', 'overall'],
        additionalProperties: false,
      },
      error_tags: { type: 'array', items: { type: 'string', enum: [...errorTags] } },
      rationale: { type: 'string' },
      rewrite_hint: { type: 'string' },
    },
    required: ['id', 'scores', 'error_tags', 'rationale', 'rewrite_hint'],
    additionalProperties: false,
  },
};
