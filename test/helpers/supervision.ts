/**
 * A supervision test bench: papers whose abstract is the validators' hand-written fixture, a teacher/judge pair
 * talking to the loopback OpenAI server through the real `openai` package, and helpers to script answers.
 */
import path from 'node:path';
import type { TestContext } from 'node:test';
import { systemClock } from '../../src/core/clock';
import type { Paper } from '../../src/pipeline/arxiv/types';
import { openDatabase } from '../../src/pipeline/store/database';
import { PaperStore } from '../../src/pipeline/store/papers';
import { SupervisionStore } from '../../src/pipeline/store/supervision';
import { createLlmClient, endpointFromEnv } from '../../src/pipeline/supervise/llm/openaiClient';
import { loadPromptSet } from '../../src/pipeline/supervise/prompts';
import { defaultSuperviseConfig, type SuperviseDeps } from '../../src/pipeline/supervise/supervise';
import { defaultValidatorConfig } from '../../src/pipeline/validate/types';
import {
  abstract as fixtureAbstract,
  explanation as fixtureExplanation,
} from '../pipeline/validate/fixtures';
import { type ChatCall, type ChatHandler, type OpenAiServer, startOpenAiServer } from './openaiServer';
import { tempDir } from './tmp';

export { fixtureAbstract, fixtureExplanation };

export function paperIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `2501.${String(90001 + i)}`);
}

export function fixturePaper(id: string, abstract = fixtureAbstract): Paper {
  return {
    id,
    version: 1,
    title: `Dust rings in the disc around HD 163296 (${id})`,
    abstract,
    authors: ['A. Observer'],
    categories: ['astro-ph.EP'],
    primaryCategory: 'astro-ph.EP',
    published: '2025-01-02T00:00:00Z',
    updated: '2025-01-02T00:00:00Z',
    doi: null,
    journalRef: null,
    comment: null,
  };
}

export function roleOf(call: ChatCall): 'teacher' | 'judge' {
  return call.messages[0]?.content.includes('referee') ? 'judge' : 'teacher';
}

export function paperIdOf(call: ChatCall): string {
  const user = call.messages.find((m) => m.role === 'user')?.content ?? '';
  return /arXiv id: (\S+)/.exec(user)?.[1] ?? '';
}

export function goodAnswer(id: string): string {
  return JSON.stringify({ id, target_explanation: fixtureExplanation });
}

export function verdict(
  id: string,
  overrides: { faithfulness?: number | string; overall?: number | string } = {},
): string {
  return JSON.stringify({
    id,
    scores: {
      faithfulness: 5,
      clarity: 4,
      jargon: 4,
      structure: 4,
      uncertainty: 3,
      overall: 85,
      ...overrides,
    },
    error_tags: [],
    rationale: 'Faithful to the abstract.',
    rewrite_hint: '',
  });
}

/** Good teacher answers and good verdicts, unless a test scripts otherwise. */
export const happyHandler: ChatHandler = (call) =>
  roleOf(call) === 'judge' ? verdict(paperIdOf(call)) : goodAnswer(paperIdOf(call));

export async function supervisionBench(t: TestContext, papers: Paper[], handler: ChatHandler = happyHandler) {
  const server: OpenAiServer = await startOpenAiServer(handler);
  t.after(() => server.close());
  const dir = tempDir(t);
  const dbPath = path.join(dir, 'astro.db');
  const db = openDatabase(dbPath);
  t.after(() => db.close());
  new PaperStore(db).upsertMany(papers, 'arxiv-api', 'now');
  const endpoint = (model: string) =>
    endpointFromEnv(
      { baseUrl: server.baseUrl, apiKey: 'sk-test', model, maxRetries: 1, timeoutMs: 2000 },
      {},
    );
  const deps: SuperviseDeps = {
    db,
    teacher: createLlmClient(endpoint('teacher-model')),
    judge: createLlmClient(endpoint('judge-model')),
    prompts: loadPromptSet(),
    config: { ...defaultSuperviseConfig, validators: defaultValidatorConfig, concurrency: 3 },
    clock: systemClock,
  };
  return { server, db, dbPath, dir, deps, store: new SupervisionStore(db) };
}
