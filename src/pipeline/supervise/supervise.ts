/**
 * The supervision loop for one paper at a time, many papers in parallel: teacher → checks → regeneration with the
 * errors (up to N attempts) → judge → accepted or rejected. Every call is stored as it happens. A call that fails
 * in transit leaves the paper untouched for the next run; a wrong API key stops the run at once.
 */
import { type Clock, isoNow } from '../../core/clock';
import { MiniAstroError } from '../../core/errors';
import { forEachConcurrent } from '../../core/pool';
import type { Db } from '../store/database';
import { PaperStore, type StoredPaper } from '../store/papers';
import { type StoredError, SupervisionStore } from '../store/supervision';
import type { ValidatorConfig } from '../validate/types';
import { extractJsonObject } from './json/extractJson';
import {
  type ChatMessage,
  type ChatResult,
  type JsonSchemaSpec,
  LlmCallError,
  type LlmClient,
} from './llm/types';
import { type PromptTemplate, renderPrompt } from './prompts';
import { checkTeacherAnswer, teacherAnswerSchema } from './teacherAnswer';
import { type JudgeThresholds, parseVerdict, verdictShortfalls } from './verdict';
import { judgeVerdictSchema } from './verdictSchema';

export interface SupervisePrompts {
  teacher: PromptTemplate;
  regenerate: PromptTemplate;
  judge: PromptTemplate;
}

export interface SuperviseConfig {
  validators: ValidatorConfig;
  thresholds: JudgeThresholds;
  /** Teacher attempts per paper, the first included. */
  maxAttempts: number;
  /** Judge attempts when its answer is not a usable verdict. */
  maxJudgeAttempts: number;
  concurrency: number;
  /** Abstracts longer than this are not sent (a pasted full text, a broken record). */
  maxAbstractChars: number;
}

export const defaultSuperviseConfig: Omit<SuperviseConfig, 'validators'> = {
  thresholds: { minFaithfulness: 4, minOverall: 60 },
  maxAttempts: 3,
  maxJudgeAttempts: 2,
  concurrency: 4,
  maxAbstractChars: 6000,
};

export type SuperviseEvent =
  | {
      type: 'paper';
      paperId: string;
      role: 'teacher' | 'judge';
      status: PaperOutcome;
      attempts: number;
      reason: string | null;
    }
  | { type: 'progress'; done: number; total: number; costUsd: number };

export type PaperOutcome = 'validated' | 'accepted' | 'rejected' | 'deferred' | 'skipped';

export interface SuperviseDeps {
  db: Db;
  teacher: LlmClient;
  judge: LlmClient | null;
  prompts: SupervisePrompts;
  config: SuperviseConfig;
  clock: Clock;
  signal?: AbortSignal;
  onEvent?: (event: SuperviseEvent) => void;
}

export interface SuperviseSummary {
  papers: number;
  validated: number;
  accepted: number;
  rejected: number;
  /** Left for a later run: the endpoint was down, timed out or refused to serve for a while. */
  deferred: number;
  skipped: number;
  calls: number;
  costUsd: number;
}

function describeErrors(errors: readonly StoredError[]): string {
  return errors.map((e) => `- ${e.message}`).join('\n');
}

class Run {
  readonly papers: PaperStore;
  readonly store: SupervisionStore;
  readonly summary: SuperviseSummary = {
    papers: 0,
    validated: 0,
    accepted: 0,
    rejected: 0,
    deferred: 0,
    skipped: 0,
    calls: 0,
    costUsd: 0,
  };
  stopError: Error | null = null;

  constructor(readonly deps: SuperviseDeps) {
    this.papers = new PaperStore(deps.db);
    this.store = new SupervisionStore(deps.db);
  }

  count(outcome: PaperOutcome) {
    this.summary[outcome]++;
  }

  async call(client: LlmClient, messages: ChatMessage[], schema: JsonSchemaSpec): Promise<ChatResult> {
    const result = await client.complete({ messages, jsonSchema: schema }, this.deps.signal);
    this.summary.calls++;
    this.summary.costUsd += result.costUsd;
    return result;
  }

  /** Logs a call that failed in transit, then says whether the paper is deferred or the run must stop. */
  failed(
    paperId: string,
    role: 'teacher' | 'judge',
    attempt: number,
    prompt: PromptTemplate,
    client: LlmClient,
    error: unknown,
  ): 'deferred' | 'rejected' {
    if (this.deps.signal?.aborted) throw this.deps.signal.reason;
    const llmError = error instanceof LlmCallError ? error : new LlmCallError('unavailable', String(error));
    this.summary.calls++;
    this.store.recordCall({
      paperId,
      role,
      attempt,
      promptName: prompt.name,
      promptHash: prompt.hash,
      baseUrl: client.endpoint.baseUrl,
      model: client.endpoint.model,
      outputMode: null,
      rawResponse: null,
      parsed: null,
      repairs: [],
      errors: [{ rule: 'transport', code: llmError.kind, message: llmError.message }],
      verdict: null,
      outcome: 'failed',
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      latencyMs: null,
      batchId: null,
      createdAt: isoNow(this.deps.clock),
    });
    if (llmError.kind === 'auth') {
      this.stopError = new MiniAstroError(
        'remote',
        `${client.endpoint.baseUrl} refused our credentials (${llmError.message}).`,
        'Check OPENAI_API_KEY (or --api-key) and the model name; nothing was marked done, so rerun after fixing it.',
        { cause: error },
      );
      throw this.stopError;
    }
    return llmError.kind === 'rejected' ? 'rejected' : 'deferred';
  }
}

/** Teacher (and, with a judge client, the judge right after) for each paper that has no state yet. */
export async function superviseWithTeacher(
  paperIds: readonly string[],
  deps: SuperviseDeps,
  options: { force?: boolean } = {},
): Promise<SuperviseSummary> {
  const run = new Run(deps);
  await forEachConcurrent(
    paperIds,
    deps.config.concurrency,
    async (paperId) => {
      const outcome = await teachOne(run, paperId, options.force === true);
      run.count(outcome);
      deps.onEvent?.({
        type: 'progress',
        done: run.summary.papers,
        total: paperIds.length,
        costUsd: run.summary.costUsd,
      });
    },
    () => run.stopError !== null || deps.signal?.aborted === true,
  );
  if (deps.signal?.aborted) throw deps.signal.reason;
  return run.summary;
}

/** The judge alone, for papers whose explanation passed the validators and awaits a verdict. */
export async function superviseWithJudge(
  paperIds: readonly string[],
  deps: SuperviseDeps,
): Promise<SuperviseSummary> {
  const run = new Run(deps);
  await forEachConcurrent(
    paperIds,
    deps.config.concurrency,
    async (paperId) => {
      run.summary.papers++;
      const paper = run.papers.get(paperId);
      const state = run.store.state(paperId);
      if (!paper || state?.status !== 'validated' || run.store.humanDecision(paperId)) {
        run.count('skipped');
      } else
        run.count(await judgeOne(run, paper, state.explanation ?? '', state.attempts, state.teacherCallId));
      deps.onEvent?.({
        type: 'progress',
        done: run.summary.papers,
        total: paperIds.length,
        costUsd: run.summary.costUsd,
      });
    },
    () => run.stopError !== null || deps.signal?.aborted === true,
  );
  if (deps.signal?.aborted) throw deps.signal.reason;
  return run.summary;
}

async function teachOne(run: Run, paperId: string, force: boolean): Promise<PaperOutcome> {
  const { deps, store } = run;
  run.summary.papers++;
  const paper = run.papers.get(paperId);
  const existing = store.state(paperId);
  if (!paper || store.humanDecision(paperId) || (existing && !force)) {
    if (paper && existing?.status === 'validated' && deps.judge && !store.humanDecision(paperId)) {
      return judgeOne(run, paper, existing.explanation ?? '', existing.attempts, existing.teacherCallId);
    }
    return 'skipped';
  }
  const now = () => isoNow(deps.clock);
  const reject = (reason: string, attempts: number, teacherCallId: number | null): PaperOutcome => {
    store.setState({
      paperId,
      status: 'rejected',
      explanation: null,
      attempts,
      reason,
      teacherCallId,
      judgeCallId: null,
      judgeFeedback: null,
      updatedAt: now(),
    });
    deps.onEvent?.({ type: 'paper', paperId, role: 'teacher', status: 'rejected', attempts, reason });
    return 'rejected';
  };
  if (!paper.abstract.trim()) return reject('empty abstract: nothing to explain', 0, null);
  if (paper.abstract.length > deps.config.maxAbstractChars) {
    return reject(
      `abstract of ${paper.abstract.length} characters exceeds ${deps.config.maxAbstractChars}`,
      0,
      null,
    );
  }

  // Resume: answers already received in an earlier, interrupted run count as attempts and seed the next prompt.
  const earlier = force ? [] : store.calls(paperId, 'teacher').filter((c) => c.outcome !== 'failed');
  const lastEarlier = earlier.at(-1);
  let attempt = earlier.length;
  let previous: { raw: string; errors: StoredError[] } | null = lastEarlier
    ? { raw: lastEarlier.rawResponse ?? '', errors: lastEarlier.errors }
    : null;
  let lastErrors: StoredError[] = previous?.errors ?? [];
  let lastCallId: number | null = lastEarlier?.id ?? null;
  const values = {
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    min_words: deps.config.validators.minWords,
    max_words: deps.config.validators.maxWords,
    paragraphs: deps.config.validators.paragraphs.max,
  };
  while (attempt < deps.config.maxAttempts) {
    attempt++;
    const prompt = previous ? deps.prompts.regenerate : deps.prompts.teacher;
    const messages = renderPrompt(
      prompt,
      previous ? { ...values, errors: describeErrors(previous.errors), previous: previous.raw } : values,
    );
    let result: ChatResult;
    try {
      result = await run.call(deps.teacher, messages, teacherAnswerSchema);
    } catch (error) {
      const kind = run.failed(paperId, 'teacher', attempt, prompt, deps.teacher, error);
      if (kind === 'rejected')
        return reject(
          `the endpoint rejected the request: ${error instanceof Error ? error.message : String(error)}`,
          attempt,
          lastCallId,
        );
      deps.onEvent?.({
        type: 'paper',
        paperId,
        role: 'teacher',
        status: 'deferred',
        attempts: attempt,
        reason: String(error),
      });
      return 'deferred';
    }
    const check = checkTeacherAnswer(result.text, paper, deps.config.validators);
    lastErrors = check.errors;
    lastCallId = store.recordCall({
      paperId,
      role: 'teacher',
      attempt,
      promptName: prompt.name,
      promptHash: prompt.hash,
      baseUrl: deps.teacher.endpoint.baseUrl,
      model: result.model,
      outputMode: result.mode,
      rawResponse: result.text,
      parsed: check.parsed,
      repairs: check.repairs,
      errors: check.errors,
      verdict: null,
      outcome: check.errors.length === 0 ? 'ok' : 'invalid',
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
      batchId: null,
      createdAt: now(),
    });
    if (check.errors.length === 0 && check.explanation) {
      store.setState({
        paperId,
        status: 'validated',
        explanation: check.explanation,
        attempts: attempt,
        reason: null,
        teacherCallId: lastCallId,
        judgeCallId: null,
        judgeFeedback: null,
        updatedAt: now(),
      });
      deps.onEvent?.({
        type: 'paper',
        paperId,
        role: 'teacher',
        status: 'validated',
        attempts: attempt,
        reason: null,
      });
      return deps.judge ? judgeOne(run, paper, check.explanation, attempt, lastCallId) : 'validated';
    }
    previous = { raw: result.text, errors: check.errors };
  }
  return reject(
    `failed validation after ${attempt} attempts: ${lastErrors.map((e) => e.message).join('; ')}`,
    attempt,
    lastCallId,
  );
}

async function judgeOne(
  run: Run,
  paper: StoredPaper,
  explanation: string,
  attempts: number,
  teacherCallId: number | null,
): Promise<PaperOutcome> {
  const { deps, store } = run;
  const judge = deps.judge;
  if (!judge) return 'validated';
  const prompt = deps.prompts.judge;
  const messages = renderPrompt(prompt, {
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    explanation,
  });
  const now = () => isoNow(deps.clock);
  for (let attempt = 1; attempt <= deps.config.maxJudgeAttempts; attempt++) {
    let result: ChatResult;
    try {
      result = await run.call(judge, messages, judgeVerdictSchema);
    } catch (error) {
      run.failed(paper.id, 'judge', attempt, prompt, judge, error);
      deps.onEvent?.({
        type: 'paper',
        paperId: paper.id,
        role: 'judge',
        status: 'deferred',
        attempts,
        reason: String(error),
      });
      return 'deferred';
    }
    const extracted = extractJsonObject(result.text);
    const parsed = 'error' in extracted ? null : extracted.value;
    const reading = parsed
      ? parseVerdict(parsed, paper.id)
      : {
          verdict: null,
          errors: [`not a JSON object: ${'error' in extracted ? extracted.error : ''}`],
          notes: [],
        };
    const shortfalls = reading.verdict ? verdictShortfalls(reading.verdict, deps.config.thresholds) : [];
    const callId = store.recordCall({
      paperId: paper.id,
      role: 'judge',
      attempt,
      promptName: prompt.name,
      promptHash: prompt.hash,
      baseUrl: judge.endpoint.baseUrl,
      model: result.model,
      outputMode: result.mode,
      rawResponse: result.text,
      parsed,
      repairs: 'error' in extracted ? [] : extracted.repaired,
      errors: [
        ...reading.errors.map((message) => ({ rule: 'verdict', code: 'unusable', message })),
        ...reading.notes.map((message) => ({ rule: 'verdict', code: 'lenient', message })),
      ],
      verdict: reading.verdict,
      outcome: !reading.verdict ? 'invalid' : shortfalls.length === 0 ? 'ok' : 'rejected',
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
      batchId: null,
      createdAt: now(),
    });
    if (!reading.verdict) continue;
    const status = shortfalls.length === 0 ? 'accepted' : 'rejected';
    const reason = shortfalls.length === 0 ? null : shortfalls.join('; ');
    store.setState({
      paperId: paper.id,
      status,
      explanation,
      attempts,
      reason,
      teacherCallId,
      judgeCallId: callId,
      judgeFeedback: reading.verdict,
      updatedAt: now(),
    });
    deps.onEvent?.({ type: 'paper', paperId: paper.id, role: 'judge', status, attempts, reason });
    return status;
  }
  // No usable verdict: the explanation stays validated, awaiting a judge that answers properly.
  deps.onEvent?.({
    type: 'paper',
    paperId: paper.id,
    role: 'judge',
    status: 'deferred',
    attempts,
    reason: 'no usable verdict',
  });
  return 'deferred';
}
