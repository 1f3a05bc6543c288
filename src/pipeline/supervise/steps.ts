/**
 * One teacher or judge step, independent of how the call was made (live, or through the Batch API): the messages
 * to send, and what to store once an answer is in — the call itself, and the paper's new state when it has one.
 */
import type { StoredPaper } from '../store/papers';
import type { StoredError, SupervisionStore } from '../store/supervision';
import { extractJsonObject } from './json/extractJson';
import type { ChatMessage, ChatResult, LlmEndpoint } from './llm/types';
import { type PromptTemplate, renderPrompt } from './prompts';
import type { SuperviseConfig, SupervisePrompts } from './supervise';
import { checkTeacherAnswer } from './teacherAnswer';
import { parseVerdict, verdictShortfalls } from './verdict';

/** The last answer a paper got and why it failed, which the regeneration prompt quotes back. */
export interface PreviousAnswer {
  raw: string;
  errors: StoredError[];
}

export interface TeacherTurn {
  attempt: number;
  prompt: PromptTemplate;
  messages: ChatMessage[];
}

/** Where a paper stands before its next teacher call: how many answers it has had, and the last one. */
export function teacherHistory(
  store: SupervisionStore,
  paperId: string,
): { attempts: number; previous: PreviousAnswer | null; lastCallId: number | null } {
  const answered = store.calls(paperId, 'teacher').filter((c) => c.outcome !== 'failed');
  const last = answered.at(-1);
  return {
    attempts: answered.length,
    previous: last ? { raw: last.rawResponse ?? '', errors: last.errors } : null,
    lastCallId: last?.id ?? null,
  };
}

export function teacherTurn(
  paper: StoredPaper,
  prompts: SupervisePrompts,
  config: SuperviseConfig,
  attempt: number,
  previous: PreviousAnswer | null,
): TeacherTurn {
  const values = {
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    min_words: config.validators.minWords,
    max_words: config.validators.maxWords,
    paragraphs: config.validators.paragraphs.max,
  };
  const prompt = previous ? prompts.regenerate : prompts.teacher;
  const messages = renderPrompt(
    prompt,
    previous
      ? { ...values, errors: previous.errors.map((e) => `- ${e.message}`).join('\n'), previous: previous.raw }
      : values,
  );
  return { attempt, prompt, messages };
}

/** Why a paper is rejected before any call, or null when it can be sent. */
export function unsendableReason(paper: StoredPaper, config: SuperviseConfig): string | null {
  if (!paper.abstract.trim()) return 'empty abstract: nothing to explain';
  if (paper.abstract.length > config.maxAbstractChars) {
    return `abstract of ${paper.abstract.length} characters exceeds ${config.maxAbstractChars}`;
  }
  return null;
}

export interface TeacherStepResult {
  callId: number;
  explanation: string | null;
  errors: StoredError[];
  /** validated: passed every check; rejected: attempts used up; retry: ask again with the errors. */
  status: 'validated' | 'rejected' | 'retry';
}

export function recordTeacherAnswer(
  store: SupervisionStore,
  args: {
    paper: StoredPaper;
    turn: TeacherTurn;
    endpoint: LlmEndpoint;
    result: ChatResult;
    config: SuperviseConfig;
    batchId: string | null;
    now: string;
  },
): TeacherStepResult {
  const { paper, turn, result, config, now } = args;
  const check = checkTeacherAnswer(result.text, paper, config.validators);
  const ok = check.errors.length === 0 && check.explanation !== null;
  const callId = store.recordCall({
    paperId: paper.id,
    role: 'teacher',
    attempt: turn.attempt,
    promptName: turn.prompt.name,
    promptHash: turn.prompt.hash,
    baseUrl: args.endpoint.baseUrl,
    model: result.model,
    outputMode: result.mode,
    rawResponse: result.text,
    parsed: check.parsed,
    repairs: check.repairs,
    errors: check.errors,
    verdict: null,
    outcome: ok ? 'ok' : 'invalid',
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    batchId: args.batchId,
    createdAt: now,
  });
  if (ok) {
    store.setState({
      paperId: paper.id,
      status: 'validated',
      explanation: check.explanation,
      attempts: turn.attempt,
      reason: null,
      teacherCallId: callId,
      judgeCallId: null,
      judgeFeedback: null,
      updatedAt: now,
    });
    return { callId, explanation: check.explanation, errors: [], status: 'validated' };
  }
  if (turn.attempt >= config.maxAttempts) {
    rejectPaper(
      store,
      paper.id,
      `failed validation after ${turn.attempt} attempts: ${check.errors.map((e) => e.message).join('; ')}`,
      turn.attempt,
      callId,
      now,
    );
    return { callId, explanation: null, errors: check.errors, status: 'rejected' };
  }
  return { callId, explanation: null, errors: check.errors, status: 'retry' };
}

export function rejectPaper(
  store: SupervisionStore,
  paperId: string,
  reason: string,
  attempts: number,
  teacherCallId: number | null,
  now: string,
): void {
  store.setState({
    paperId,
    status: 'rejected',
    explanation: null,
    attempts,
    reason,
    teacherCallId,
    judgeCallId: null,
    judgeFeedback: null,
    updatedAt: now,
  });
}

export function judgeMessages(
  paper: StoredPaper,
  explanation: string,
  prompts: SupervisePrompts,
): ChatMessage[] {
  return renderPrompt(prompts.judge, {
    id: paper.id,
    title: paper.title,
    abstract: paper.abstract,
    explanation,
  });
}

export interface JudgeStepResult {
  /** accepted / rejected: the paper's new state; unusable: no verdict could be read from the answer. */
  status: 'accepted' | 'rejected' | 'unusable';
  reason: string | null;
}

export function recordJudgeAnswer(
  store: SupervisionStore,
  args: {
    paper: StoredPaper;
    explanation: string;
    attempts: number;
    teacherCallId: number | null;
    judgeAttempt: number;
    prompt: PromptTemplate;
    endpoint: LlmEndpoint;
    result: ChatResult;
    config: SuperviseConfig;
    batchId: string | null;
    now: string;
  },
): JudgeStepResult {
  const { paper, result, now } = args;
  const extracted = extractJsonObject(result.text);
  const parsed = 'error' in extracted ? null : extracted.value;
  const reading = parsed
    ? parseVerdict(parsed, paper.id)
    : {
        verdict: null,
        errors: [`not a JSON object: ${'error' in extracted ? extracted.error : ''}`],
        notes: [],
      };
  const shortfalls = reading.verdict ? verdictShortfalls(reading.verdict, args.config.thresholds) : [];
  const callId = store.recordCall({
    paperId: paper.id,
    role: 'judge',
    attempt: args.judgeAttempt,
    promptName: args.prompt.name,
    promptHash: args.prompt.hash,
    baseUrl: args.endpoint.baseUrl,
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
    batchId: args.batchId,
    createdAt: now,
  });
  if (!reading.verdict) return { status: 'unusable', reason: reading.errors.join('; ') };
  const status = shortfalls.length === 0 ? 'accepted' : 'rejected';
  const reason = shortfalls.length === 0 ? null : shortfalls.join('; ');
  store.setState({
    paperId: paper.id,
    status,
    explanation: args.explanation,
    attempts: args.attempts,
    reason,
    teacherCallId: args.teacherCallId,
    judgeCallId: callId,
    judgeFeedback: reading.verdict,
    updatedAt: now,
  });
  return { status, reason };
}
