/** Shared fixtures for the data tests: the shipped template on the real GPT-2 tokenizer, and row builders. */
import { readFileSync } from 'node:fs';
import type { ExampleOptions, SourcedRow } from '../../../src/student/data';
import { PromptFormat, promptTemplate } from '../../../src/student/data';
import { defaultTokenizer } from '../../../src/student/tokenizer';

export function shippedFormat(): PromptFormat {
  return new PromptFormat(defaultTokenizer(), promptTemplate('abstract-explanation-v1'));
}

export const options: ExampleOptions = {
  maxSeqLen: 1024,
  minAbstractTokens: 64,
  onTooLong: 'error',
  superviseEos: true,
};

let next = 1;
export function row(abstract: string, target: string, id = `row-${next++}`): SourcedRow {
  return { id, title: `Title of ${id}`, abstract, target_explanation: target, line: next };
}

/** A curated JSONL line. */
export function curatedLine(fields: Record<string, unknown>): string {
  return JSON.stringify({
    id: 'x',
    title: 't',
    abstract: 'An abstract.',
    target_explanation: 'An explanation.',
    judge_feedback: null,
    accepted: true,
    ...fields,
  });
}

/** Real seed rows (id, title, input = abstract, output.explanation) as training rows. */
export function seedRows(file: string): SourcedRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, n }) => {
      const r = JSON.parse(line) as {
        id: string;
        title: string;
        input: string;
        output: { explanation: string };
      };
      return {
        id: r.id,
        title: r.title,
        abstract: r.input,
        target_explanation: r.output.explanation,
        line: n,
      };
    });
}
