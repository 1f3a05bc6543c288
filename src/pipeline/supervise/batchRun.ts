/**
 * Large supervision runs through OpenAI's Batch API (half price, answers within 24 h). Submitting records every
 * batch and which paper each request belongs to in SQLite before returning, so our process can exit, restart, and
 * collect days later with a fresh client. Answers go through exactly the steps of the live loop; a paper that
 * needs another attempt is simply submitted again by the next `submit`, with its errors in the prompt.
 */
import { type Clock, isoNow } from '../../core/clock';
import type { Db } from '../store/database';
import { PaperStore } from '../store/papers';
import { SupervisionStore } from '../store/supervision';
import {
  type BatchLimits,
  type BatchRequest,
  buildBatchFiles,
  collectBatch,
  OPENAI_BATCH_LIMITS,
  pollBatch,
  submitBatch,
} from './llm/batchApi';
import { buildChatBody } from './llm/chatBody';
import { readCompletion } from './llm/completion';
import type { OpenAiLlmClient } from './llm/openaiClient';
import { LlmCallError } from './llm/types';
import {
  judgeMessages,
  recordJudgeAnswer,
  recordTeacherAnswer,
  rejectPaper,
  teacherHistory,
  teacherTurn,
  unsendableReason,
} from './steps';
import type { SuperviseConfig, SupervisePrompts } from './supervise';
import { teacherAnswerSchema } from './teacherAnswer';
import { judgeVerdictSchema } from './verdictSchema';

export interface BatchRunDeps {
  db: Db;
  client: OpenAiLlmClient;
  prompts: SupervisePrompts;
  config: SuperviseConfig;
  clock: Clock;
  limits?: BatchLimits;
}

export interface SubmitResult {
  batchIds: string[];
  requests: number;
  /** Rejected without a call (empty or huge abstract, attempts used up). */
  rejected: number;
  /** Already decided, already in a pending batch, or in the wrong state for this role. */
  skipped: number;
}

interface PlannedItem {
  request: BatchRequest;
  paperId: string;
  attempt: number;
}

/** A batch request id: role, paper and attempt, so an answer finds its paper even without our database. */
function customId(role: 'teacher' | 'judge', paperId: string, attempt: number): string {
  return `${role}|${paperId}|${attempt}`;
}

function pendingPapers(db: Db): Set<string> {
  const rows = db
    .prepare(
      `SELECT i.paper_id FROM llm_batch_items i JOIN llm_batches b ON b.batch_id = i.batch_id
       WHERE b.collected_at IS NULL`,
    )
    .all() as { paper_id: string }[];
  return new Set(rows.map((r) => r.paper_id));
}

async function submitPlanned(
  role: 'teacher' | 'judge',
  planned: PlannedItem[],
  deps: BatchRunDeps,
): Promise<string[]> {
  const byCustomId = new Map(planned.map((p) => [p.request.customId, p]));
  const batchIds: string[] = [];
  const recordBatch = deps.db.transaction((batchId: string, ids: string[]) => {
    deps.db
      .prepare(
        'INSERT INTO llm_batches (batch_id, role, requests, status, submitted_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(batchId, role, ids.length, 'submitted', isoNow(deps.clock));
    const insert = deps.db.prepare(
      'INSERT INTO llm_batch_items (batch_id, custom_id, paper_id, attempt) VALUES (?, ?, ?, ?)',
    );
    for (const id of ids) {
      const item = byCustomId.get(id)!;
      insert.run(batchId, id, item.paperId, item.attempt);
    }
  });
  for (const file of buildBatchFiles(
    planned.map((p) => p.request),
    deps.limits ?? OPENAI_BATCH_LIMITS,
  )) {
    const ids = file
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { custom_id: string }).custom_id);
    const batchId = await submitBatch(deps.client.sdk, file, { role, app: 'miniastrolm' });
    recordBatch(batchId, ids);
    batchIds.push(batchId);
  }
  return batchIds;
}

export async function submitTeacherBatch(
  paperIds: readonly string[],
  deps: BatchRunDeps,
): Promise<SubmitResult> {
  const papers = new PaperStore(deps.db);
  const store = new SupervisionStore(deps.db);
  const pending = pendingPapers(deps.db);
  const planned: PlannedItem[] = [];
  let rejected = 0;
  let skipped = 0;
  const now = isoNow(deps.clock);
  for (const paperId of paperIds) {
    const paper = papers.get(paperId);
    if (!paper || store.state(paperId) || store.humanDecision(paperId) || pending.has(paperId)) {
      skipped++;
      continue;
    }
    const history = teacherHistory(store, paperId);
    const unsendable = unsendableReason(paper, deps.config);
    if (unsendable || history.attempts >= deps.config.maxAttempts) {
      const reason =
        unsendable ??
        `failed validation after ${history.attempts} attempts: ${(history.previous?.errors ?? []).map((e) => e.message).join('; ')}`;
      rejectPaper(store, paperId, reason, history.attempts, history.lastCallId, now);
      rejected++;
      continue;
    }
    const turn = teacherTurn(paper, deps.prompts, deps.config, history.attempts + 1, history.previous);
    const body = buildChatBody(
      deps.client.endpoint,
      { messages: turn.messages, jsonSchema: teacherAnswerSchema },
      'json_schema',
    );
    planned.push({
      request: { customId: customId('teacher', paperId, turn.attempt), body: { ...body } },
      paperId,
      attempt: turn.attempt,
    });
  }
  const batchIds = planned.length > 0 ? await submitPlanned('teacher', planned, deps) : [];
  return { batchIds, requests: planned.length, rejected, skipped };
}

export async function submitJudgeBatch(
  paperIds: readonly string[],
  deps: BatchRunDeps,
): Promise<SubmitResult> {
  const papers = new PaperStore(deps.db);
  const store = new SupervisionStore(deps.db);
  const pending = pendingPapers(deps.db);
  const planned: PlannedItem[] = [];
  let skipped = 0;
  for (const paperId of paperIds) {
    const paper = papers.get(paperId);
    const state = store.state(paperId);
    if (
      !paper ||
      state?.status !== 'validated' ||
      !state.explanation ||
      store.humanDecision(paperId) ||
      pending.has(paperId)
    ) {
      skipped++;
      continue;
    }
    const attempt = store.calls(paperId, 'judge').filter((c) => c.outcome !== 'failed').length + 1;
    const body = buildChatBody(
      deps.client.endpoint,
      { messages: judgeMessages(paper, state.explanation, deps.prompts), jsonSchema: judgeVerdictSchema },
      'json_schema',
    );
    planned.push({
      request: { customId: customId('judge', paperId, attempt), body: { ...body } },
      paperId,
      attempt,
    });
  }
  const batchIds = planned.length > 0 ? await submitPlanned('judge', planned, deps) : [];
  return { batchIds, requests: planned.length, rejected: 0, skipped };
}

export interface CollectResult {
  batches: { batchId: string; role: string; status: string; collected: boolean }[];
  answers: number;
  failed: number;
  validated: number;
  accepted: number;
  rejected: number;
  /** Papers that need another attempt: the next submit sends them again. */
  retry: number;
}

/** Polls every batch not yet collected; collects the finished ones. Safe to run any number of times. */
export async function collectBatches(deps: BatchRunDeps): Promise<CollectResult> {
  const papers = new PaperStore(deps.db);
  const store = new SupervisionStore(deps.db);
  const open = deps.db
    .prepare('SELECT batch_id, role FROM llm_batches WHERE collected_at IS NULL ORDER BY submitted_at')
    .all() as { batch_id: string; role: 'teacher' | 'judge' }[];
  const result: CollectResult = {
    batches: [],
    answers: 0,
    failed: 0,
    validated: 0,
    accepted: 0,
    rejected: 0,
    retry: 0,
  };
  for (const { batch_id: batchId, role } of open) {
    const status = await pollBatch(deps.client.sdk, batchId);
    deps.db.prepare('UPDATE llm_batches SET status = ? WHERE batch_id = ?').run(status.status, batchId);
    if (!status.done) {
      result.batches.push({ batchId, role, status: status.status, collected: false });
      continue;
    }
    const answers = status.status === 'failed' ? new Map() : await collectBatch(deps.client.sdk, batchId);
    const items = deps.db
      .prepare('SELECT custom_id, paper_id, attempt FROM llm_batch_items WHERE batch_id = ?')
      .all(batchId) as { custom_id: string; paper_id: string; attempt: number }[];
    deps.db.transaction(() => {
      const now = isoNow(deps.clock);
      for (const item of items) {
        const answer = answers.get(item.custom_id);
        const paper = papers.get(item.paper_id);
        if (!answer || !paper) continue; // never ran (expired, cancelled): the paper is sent again next time
        result.answers++;
        let chat: ReturnType<typeof readCompletion> | null = null;
        let failure: string | null = answer.ok ? null : answer.error;
        if (answer.ok) {
          try {
            chat = readCompletion(answer.body, deps.client.endpoint, 'json_schema', 0, 0.5);
          } catch (error) {
            failure = error instanceof LlmCallError ? error.message : String(error);
          }
        }
        if (!chat) {
          result.failed++;
          recordFailed(store, role, item, batchId, failure ?? 'no answer', deps, now);
          continue;
        }
        if (role === 'teacher') {
          // Rebuilt only for the record (which prompt the request used); the text sent is in the batch file.
          const previous = item.attempt > 1 ? teacherHistory(store, item.paper_id).previous : null;
          const turn = teacherTurn(paper, deps.prompts, deps.config, item.attempt, previous);
          const step = recordTeacherAnswer(store, {
            paper,
            turn,
            endpoint: deps.client.endpoint,
            result: chat,
            config: deps.config,
            batchId,
            now,
          });
          if (step.status === 'validated') result.validated++;
          else if (step.status === 'rejected') result.rejected++;
          else result.retry++;
        } else {
          const state = store.state(item.paper_id);
          if (state?.status !== 'validated' || !state.explanation) continue;
          const step = recordJudgeAnswer(store, {
            paper,
            explanation: state.explanation,
            attempts: state.attempts,
            teacherCallId: state.teacherCallId,
            judgeAttempt: item.attempt,
            prompt: deps.prompts.judge,
            endpoint: deps.client.endpoint,
            result: chat,
            config: deps.config,
            batchId,
            now,
          });
          if (step.status === 'accepted') result.accepted++;
          else if (step.status === 'rejected') result.rejected++;
          else result.retry++;
        }
      }
      deps.db.prepare('UPDATE llm_batches SET collected_at = ? WHERE batch_id = ?').run(now, batchId);
    })();
    result.batches.push({ batchId, role, status: status.status, collected: true });
  }
  return result;
}

function recordFailed(
  store: SupervisionStore,
  role: 'teacher' | 'judge',
  item: { paper_id: string; attempt: number },
  batchId: string,
  message: string,
  deps: BatchRunDeps,
  now: string,
): void {
  const prompt = role === 'teacher' ? deps.prompts.teacher : deps.prompts.judge;
  store.recordCall({
    paperId: item.paper_id,
    role,
    attempt: item.attempt,
    promptName: prompt.name,
    promptHash: prompt.hash,
    baseUrl: deps.client.endpoint.baseUrl,
    model: deps.client.endpoint.model,
    outputMode: 'json_schema',
    rawResponse: null,
    parsed: null,
    repairs: [],
    errors: [{ rule: 'transport', code: 'batch', message }],
    verdict: null,
    outcome: 'failed',
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: null,
    batchId,
    createdAt: now,
  });
}
