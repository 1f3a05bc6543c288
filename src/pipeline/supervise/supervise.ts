/**
 * The supervision loop for one paper at a time, many papers in parallel: teacher → checks → regeneration with the
 * errors (up to N attempts) → judge → accepted or rejected. Every call is stored as it happens. A call that fails
 * in transit, or brings back something that is not a completion, leaves the paper untouched for the next run; a
 * fault no later call can escape (a wrong API key, an unknown model, a used-up quota, a base URL that is not a
 * chat endpoint) stops the run at once, naming what to fix.
 */
import { type Clock, isoNow } from '../../core/clock';
import { MiniAstroError } from '../../core/errors';
import { forEachConcurrent } from '../../core/pool';
import type { Db } from '../store/database';
import { PaperStore, type StoredPaper } from '../store/papers';
import { SupervisionStore } from '../store/supervision';
import type { ValidatorConfig } from '../validate/types';
import {
  type ChatMessage,
  type ChatResult,
  type JsonSchemaSpec,
  LlmCallError,
  type LlmClient,
  type LlmEndpoint,
  runStoppingFailures,
} from './llm/types';
import type { PromptSet, PromptTemplate } from './prompts';
import {
  judgeMessages,
  recordJudgeAnswer,
  recordTeacherAnswer,
  rejectPaper,
  teacherHistory,
  teacherTurn,
  unsendableReason,
} from './steps';
import { teacherAnswerSchema } from './teacherAnswer';
import type { JudgeThresholds } from './verdict';
import { judgeVerdictSchema } from './verdictSchema';

export type SupervisePrompts = PromptSet;

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
  /** Calls that failed in transit or brought back no completion (counted in `calls` too). */
  failedCalls: number;
  /** Why the last such call failed; null when none did. */
  lastFailure: string | null;
  costUsd: number;
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
    failedCalls: 0,
    lastFailure: null,
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
    this.summary.failedCalls++;
    this.summary.lastFailure = llmError.message;
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
    if (runStoppingFailures.includes(llmError.kind)) {
      this.stopError = runStopper(llmError, role, client.endpoint);
      throw this.stopError;
    }
    return llmError.kind === 'rejected' ? 'rejected' : 'deferred';
  }
}

/** The error that ends a run after a failure no further call can escape; papers stay pending. */
function runStopper(error: LlmCallError, role: 'teacher' | 'judge', endpoint: LlmEndpoint): MiniAstroError {
  const pending = 'Nothing was marked done and the papers stay pending, so rerun after fixing it.';
  const where = endpoint.baseUrl;
  // The call's message starts with the URL ("URL answered 404 ..."); say it once.
  // Each message below ends with its own full stop: one the endpoint's text ends with is dropped.
  const said = (
    error.message.startsWith(`${where} `) ? `it ${error.message.slice(where.length + 1)}` : error.message
  ).replace(/\.+\s*$/, '');
  const flag = role === 'teacher' ? '--model' : '--judge-model (judge: --model)';
  const [message, hint] = (() => {
    switch (error.kind) {
      case 'auth':
        return [
          `${where} refused our credentials: ${said}.`,
          `Check OPENAI_API_KEY (or --api-key) and the model name. ${pending}`,
        ];
      case 'model':
        return [
          `The ${role} model "${endpoint.model}" is not served by ${where}: ${said}.`,
          `Check ${flag}, or ${role}.model in configs/pipeline.yaml, against the endpoint's models ` +
            `(GET ${where}/models). ${pending}`,
        ];
      case 'quota':
        return [
          `${where} refused: the account's quota or credit is used up (${said}).`,
          'Add credit or raise the limit (OpenAI: https://platform.openai.com/settings/organization/billing), or ' +
            `use another endpoint. ${pending}`,
        ];
      default:
        return [
          `${where} is not an OpenAI-compatible chat endpoint: ${said}.`,
          `Check --base-url (llama.cpp, Ollama and vLLM serve it under /v1, e.g. http://127.0.0.1:8080/v1). ${pending}`,
        ];
    }
  })();
  return new MiniAstroError('remote', message, hint, { cause: error });
}

/** Runs `step` over the papers with the configured concurrency, counting outcomes and reporting progress. */
async function overPapers(
  paperIds: readonly string[],
  deps: SuperviseDeps,
  step: (run: Run, paperId: string) => Promise<PaperOutcome>,
): Promise<SuperviseSummary> {
  const run = new Run(deps);
  await forEachConcurrent(
    paperIds,
    deps.config.concurrency,
    async (paperId) => {
      run.summary.papers++;
      run.count(await step(run, paperId));
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

/** Teacher (and, with a judge client, the judge right after) for each paper that has no state yet. */
export function superviseWithTeacher(
  paperIds: readonly string[],
  deps: SuperviseDeps,
  options: { force?: boolean } = {},
): Promise<SuperviseSummary> {
  return overPapers(paperIds, deps, (run, paperId) => teachOne(run, paperId, options.force === true));
}

/** The judge alone, for papers whose explanation passed the validators and awaits a verdict. */
export function superviseWithJudge(
  paperIds: readonly string[],
  deps: SuperviseDeps,
): Promise<SuperviseSummary> {
  return overPapers(paperIds, deps, async (run, paperId) => {
    const paper = run.papers.get(paperId);
    const state = run.store.state(paperId);
    if (!paper || state?.status !== 'validated' || run.store.humanDecision(paperId)) return 'skipped';
    return judgeOne(run, paper, state.explanation ?? '', state.attempts, state.teacherCallId);
  });
}

async function teachOne(run: Run, paperId: string, force: boolean): Promise<PaperOutcome> {
  const { deps, store } = run;
  const paper = run.papers.get(paperId);
  const existing = store.state(paperId);
  const decided = store.humanDecision(paperId) !== undefined;
  if (!paper || decided || (existing && !force)) {
    if (paper && !decided && existing?.status === 'validated' && deps.judge) {
      return judgeOne(run, paper, existing.explanation ?? '', existing.attempts, existing.teacherCallId);
    }
    return 'skipped';
  }
  const now = () => isoNow(deps.clock);
  const report = (status: PaperOutcome, attempts: number, reason: string | null) =>
    deps.onEvent?.({ type: 'paper', paperId, role: 'teacher', status, attempts, reason });
  const unsendable = unsendableReason(paper, deps.config);
  if (unsendable) {
    rejectPaper(store, paperId, unsendable, 0, null, now());
    report('rejected', 0, unsendable);
    return 'rejected';
  }
  // Resume: answers received in an earlier, interrupted run count as attempts and seed the next prompt.
  const history = force ? { attempts: 0, previous: null, lastCallId: null } : teacherHistory(store, paperId);
  let previous = history.previous;
  for (let attempt = history.attempts + 1; attempt <= deps.config.maxAttempts; attempt++) {
    const turn = teacherTurn(paper, deps.prompts, deps.config, attempt, previous);
    let result: ChatResult;
    try {
      result = await run.call(deps.teacher, turn.messages, teacherAnswerSchema);
    } catch (error) {
      const kind = run.failed(paperId, 'teacher', attempt, turn.prompt, deps.teacher, error);
      const reason = error instanceof Error ? error.message : String(error);
      if (kind === 'rejected') {
        rejectPaper(
          store,
          paperId,
          `the endpoint rejected the request: ${reason}`,
          attempt,
          history.lastCallId,
          now(),
        );
        report('rejected', attempt, reason);
        return 'rejected';
      }
      report('deferred', attempt, reason);
      return 'deferred';
    }
    const step = recordTeacherAnswer(store, {
      paper,
      turn,
      endpoint: deps.teacher.endpoint,
      result,
      config: deps.config,
      batchId: null,
      now: now(),
    });
    if (step.status === 'validated') {
      report('validated', attempt, null);
      return deps.judge ? judgeOne(run, paper, step.explanation ?? '', attempt, step.callId) : 'validated';
    }
    if (step.status === 'rejected') {
      report('rejected', attempt, store.state(paperId)?.reason ?? null);
      return 'rejected';
    }
    previous = { raw: result.text, errors: step.errors };
  }
  // Attempts were already used up by an earlier run that was interrupted before it could record the verdict.
  const reason = `failed validation after ${history.attempts} attempts: ${(previous?.errors ?? []).map((e) => e.message).join('; ')}`;
  rejectPaper(store, paperId, reason, history.attempts, history.lastCallId, now());
  report('rejected', history.attempts, reason);
  return 'rejected';
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
  const messages = judgeMessages(paper, explanation, deps.prompts);
  for (let judgeAttempt = 1; judgeAttempt <= deps.config.maxJudgeAttempts; judgeAttempt++) {
    let result: ChatResult;
    try {
      result = await run.call(judge, messages, judgeVerdictSchema);
    } catch (error) {
      run.failed(paper.id, 'judge', judgeAttempt, deps.prompts.judge, judge, error);
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
    const step = recordJudgeAnswer(store, {
      paper,
      explanation,
      attempts,
      teacherCallId,
      judgeAttempt,
      prompt: deps.prompts.judge,
      endpoint: judge.endpoint,
      result,
      config: deps.config,
      batchId: null,
      now: isoNow(deps.clock),
    });
    if (step.status === 'unusable') continue;
    deps.onEvent?.({
      type: 'paper',
      paperId: paper.id,
      role: 'judge',
      status: step.status,
      attempts,
      reason: step.reason,
    });
    return step.status;
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
