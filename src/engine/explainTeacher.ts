/**
 * The teacher's explanation of one abstract, from the editor: the same endpoint settings, prompts, validators and
 * judge as `miniastrolm teach`, and the result stored as supervision for the paper (see explainPaper.ts). The
 * API key is read from the engine's environment (the extension passes it there from SecretStorage), never from
 * a request, a setting or a command line.
 */
import { type Clock, systemClock } from '../core/clock';
import { MiniAstroError } from '../core/errors';
import { loadPipelineConfig } from '../pipeline/config/pipelineConfig';
import { explainPaperWithTeacher, paperFromDocument } from '../pipeline/supervise/explainPaper';
import { createLlmClient } from '../pipeline/supervise/llm/openaiClient';
import { LlmCallError } from '../pipeline/supervise/llm/types';
import { loadPromptSet } from '../pipeline/supervise/prompts';
import { resolveEndpoint, superviseConfig } from '../pipeline/supervise/setup';
import { faithfulnessMarks } from '../student/infer/faithfulness';
import type { ExplainProgress, ExplainResult, PaperRef, TeacherSource } from './protocol';
import type { Databases } from './resources';

export interface TeacherExplainDeps {
  databases: Databases;
  env: NodeJS.ProcessEnv;
  progress: (progress: Omit<ExplainProgress, 'requestId'>) => void;
  signal: AbortSignal;
  clock?: Clock;
}

export async function explainWithTeacher(
  abstract: string,
  paperRef: PaperRef,
  source: TeacherSource,
  deps: TeacherExplainDeps,
): Promise<ExplainResult> {
  const start = performance.now();
  const config = loadPipelineConfig();
  const clock = deps.clock ?? systemClock;
  const teacherEndpoint = resolveEndpoint(
    config.teacher,
    {
      ...(source.baseUrl ? { baseUrl: source.baseUrl } : {}),
      ...(source.model ? { model: source.model } : {}),
    },
    deps.env,
  );
  const judgeEndpoint = source.judge
    ? resolveEndpoint(
        config.judge,
        {
          ...(source.judge.baseUrl ? { baseUrl: source.judge.baseUrl } : {}),
          ...(source.judge.model ? { model: source.judge.model } : {}),
        },
        deps.env,
      )
    : null;
  const paper = paperFromDocument({ ...paperRef, abstract });
  deps.progress({ text: '', tokens: 0, phase: 'asking-teacher' });
  const answer = await explainPaperWithTeacher(
    paper,
    {
      db: deps.databases.get(source.databasePath),
      teacher: createLlmClient(teacherEndpoint, { clock }),
      judge: judgeEndpoint ? createLlmClient(judgeEndpoint, { clock }) : null,
      prompts: loadPromptSet(),
      config: { ...superviseConfig(config), concurrency: 1 },
      clock,
      signal: deps.signal,
      onEvent: (event) => {
        if (event.type === 'paper' && event.role === 'teacher' && event.status === 'validated') {
          deps.progress({ text: '', tokens: 0, phase: 'asking-judge' });
        }
      },
    },
    { regenerate: source.regenerate },
  ).catch((error: unknown) => {
    throw inEditorTerms(error);
  });
  const explanation = answer.explanation ?? '';
  return {
    explanation,
    writtenBy: `teacher ${answer.model ?? teacherEndpoint.model}`,
    modelDir: null,
    source: 'teacher',
    marks: explanation ? faithfulnessMarks(abstract, explanation).marks.map((m) => ({ ...m })) : [],
    tokens: 0,
    stop: null,
    droppedAbstractTokens: 0,
    shortenedBy: 0,
    status: answer.status,
    reason: answer.reason,
    errors: answer.errors,
    fromStore: answer.fromStore,
    paperId: answer.paperId,
    ms: performance.now() - start,
  };
}

/**
 * A run-stopping endpoint failure with the hint said in the editor's terms: the pipeline's hints name the CLI's
 * flags and environment variables, which an editor user does not set.
 */
function inEditorTerms(error: unknown): unknown {
  if (!(error instanceof MiniAstroError) || !(error.cause instanceof LlmCallError)) return error;
  const hint: Partial<Record<LlmCallError['kind'], string>> = {
    auth: 'Run "MiniAstroLM: Set API key" with a valid key, or check miniastrolm.teacher.baseUrl and the model.',
    model:
      'Check miniastrolm.teacher.model (or miniastrolm.judge.model) against the models the endpoint serves.',
    endpoint:
      'Check miniastrolm.teacher.baseUrl: llama.cpp, Ollama and vLLM serve it under /v1, e.g. http://127.0.0.1:8080/v1.',
  };
  const said = hint[error.cause.kind];
  if (!said) return error;
  return new MiniAstroError(error.kind, error.message, `${said} Nothing was stored.`, { cause: error.cause });
}
