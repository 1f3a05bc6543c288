/**
 * Supervision bookkeeping: every LLM call is appended (never overwritten), and one row per paper says where it
 * stands. A call that failed in transit is logged but leaves the paper's state untouched, so a rerun tries again;
 * a human decision lives in its own table and always wins.
 */
import type { Db } from './database';

export type CallRole = 'teacher' | 'judge';
export type CallOutcome = 'ok' | 'invalid' | 'rejected' | 'failed';
export type SupervisionStatus = 'validated' | 'accepted' | 'rejected';

export interface StoredError {
  rule: string;
  code: string;
  message: string;
}

export interface LlmCallRecord {
  paperId: string;
  role: CallRole;
  attempt: number;
  promptName: string;
  promptHash: string;
  baseUrl: string;
  model: string;
  outputMode: string | null;
  rawResponse: string | null;
  parsed: unknown;
  repairs: string[];
  errors: StoredError[];
  verdict: unknown;
  outcome: CallOutcome;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number | null;
  batchId: string | null;
  createdAt: string;
}

export interface SupervisionRow {
  paperId: string;
  status: SupervisionStatus;
  explanation: string | null;
  attempts: number;
  reason: string | null;
  teacherCallId: number | null;
  judgeCallId: number | null;
  judgeFeedback: unknown;
  updatedAt: string;
}

export interface HumanDecision {
  paperId: string;
  decision: 'accept' | 'reject';
  explanation: string | null;
  note: string | null;
  decidedAt: string;
}

const json = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);
const unjson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export class SupervisionStore {
  private readonly insertCall;
  private readonly upsertState;

  constructor(readonly db: Db) {
    this.insertCall = db.prepare(`
      INSERT INTO llm_calls (paper_id, role, attempt, prompt_name, prompt_hash, base_url, model, output_mode,
        raw_response, parsed, repairs, errors, verdict, outcome, input_tokens, output_tokens, cost_usd, latency_ms,
        batch_id, created_at)
      VALUES (@paperId, @role, @attempt, @promptName, @promptHash, @baseUrl, @model, @outputMode, @rawResponse,
        @parsed, @repairs, @errors, @verdict, @outcome, @inputTokens, @outputTokens, @costUsd, @latencyMs,
        @batchId, @createdAt)`);
    this.upsertState = db.prepare(`
      INSERT INTO supervision (paper_id, status, explanation, attempts, reason, teacher_call_id, judge_call_id,
        judge_feedback, updated_at)
      VALUES (@paperId, @status, @explanation, @attempts, @reason, @teacherCallId, @judgeCallId, @judgeFeedback,
        @updatedAt)
      ON CONFLICT (paper_id) DO UPDATE SET status = excluded.status, explanation = excluded.explanation,
        attempts = excluded.attempts, reason = excluded.reason, teacher_call_id = excluded.teacher_call_id,
        judge_call_id = excluded.judge_call_id, judge_feedback = excluded.judge_feedback,
        updated_at = excluded.updated_at`);
  }

  /** Appends one call; returns its id. */
  recordCall(call: LlmCallRecord): number {
    const info = this.insertCall.run({
      ...call,
      parsed: json(call.parsed),
      repairs: JSON.stringify(call.repairs),
      errors: JSON.stringify(call.errors),
      verdict: json(call.verdict),
    });
    return Number(info.lastInsertRowid);
  }

  setState(row: SupervisionRow): void {
    this.upsertState.run({ ...row, judgeFeedback: json(row.judgeFeedback) });
  }

  state(paperId: string): SupervisionRow | undefined {
    const row = this.db.prepare('SELECT * FROM supervision WHERE paper_id = ?').get(paperId) as
      | RawStateRow
      | undefined;
    return row ? fromStateRow(row) : undefined;
  }

  /** Calls made for a paper, oldest first. */
  calls(paperId: string, role?: CallRole): (LlmCallRecord & { id: number })[] {
    const rows = this.db
      .prepare(`SELECT * FROM llm_calls WHERE paper_id = ? ${role ? 'AND role = ?' : ''} ORDER BY id`)
      .all(...(role ? [paperId, role] : [paperId])) as RawCallRow[];
    return rows.map(fromCallRow);
  }

  decide(decision: HumanDecision): void {
    this.db
      .prepare(
        `INSERT INTO human_decisions (paper_id, decision, explanation, note, decided_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (paper_id) DO UPDATE SET decision = excluded.decision, explanation = excluded.explanation,
           note = excluded.note, decided_at = excluded.decided_at`,
      )
      .run(decision.paperId, decision.decision, decision.explanation, decision.note, decision.decidedAt);
  }

  humanDecision(paperId: string): HumanDecision | undefined {
    const row = this.db.prepare('SELECT * FROM human_decisions WHERE paper_id = ?').get(paperId) as
      | {
          paper_id: string;
          decision: 'accept' | 'reject';
          explanation: string | null;
          note: string | null;
          decided_at: string;
        }
      | undefined;
    return row
      ? {
          paperId: row.paper_id,
          decision: row.decision,
          explanation: row.explanation,
          note: row.note,
          decidedAt: row.decided_at,
        }
      : undefined;
  }

  /** Totals for `stats` and progress: papers per state, calls, tokens and money spent. */
  totals(): {
    states: Record<string, number>;
    calls: Record<string, number>;
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
    humanDecisions: number;
  } {
    const states = Object.fromEntries(
      (
        this.db.prepare('SELECT status, count(*) AS n FROM supervision GROUP BY status').all() as {
          status: string;
          n: number;
        }[]
      ).map((r) => [r.status, r.n]),
    );
    const calls = Object.fromEntries(
      (
        this.db
          .prepare("SELECT role || ':' || outcome AS k, count(*) AS n FROM llm_calls GROUP BY k")
          .all() as { k: string; n: number }[]
      ).map((r) => [r.k, r.n]),
    );
    const sums = this.db
      .prepare(
        'SELECT coalesce(sum(input_tokens), 0) AS i, coalesce(sum(output_tokens), 0) AS o, coalesce(sum(cost_usd), 0) AS c FROM llm_calls',
      )
      .get() as { i: number; o: number; c: number };
    const humanDecisions = (
      this.db.prepare('SELECT count(*) AS n FROM human_decisions').get() as { n: number }
    ).n;
    return { states, calls, inputTokens: sums.i, outputTokens: sums.o, costUsd: sums.c, humanDecisions };
  }
}

interface RawStateRow {
  paper_id: string;
  status: SupervisionStatus;
  explanation: string | null;
  attempts: number;
  reason: string | null;
  teacher_call_id: number | null;
  judge_call_id: number | null;
  judge_feedback: string | null;
  updated_at: string;
}

function fromStateRow(r: RawStateRow): SupervisionRow {
  return {
    paperId: r.paper_id,
    status: r.status,
    explanation: r.explanation,
    attempts: r.attempts,
    reason: r.reason,
    teacherCallId: r.teacher_call_id,
    judgeCallId: r.judge_call_id,
    judgeFeedback: unjson(r.judge_feedback),
    updatedAt: r.updated_at,
  };
}

interface RawCallRow {
  id: number;
  paper_id: string;
  role: CallRole;
  attempt: number;
  prompt_name: string;
  prompt_hash: string;
  base_url: string;
  model: string;
  output_mode: string | null;
  raw_response: string | null;
  parsed: string | null;
  repairs: string | null;
  errors: string | null;
  verdict: string | null;
  outcome: CallOutcome;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  latency_ms: number | null;
  batch_id: string | null;
  created_at: string;
}

function fromCallRow(r: RawCallRow): LlmCallRecord & { id: number } {
  return {
    id: r.id,
    paperId: r.paper_id,
    role: r.role,
    attempt: r.attempt,
    promptName: r.prompt_name,
    promptHash: r.prompt_hash,
    baseUrl: r.base_url,
    model: r.model,
    outputMode: r.output_mode,
    rawResponse: r.raw_response,
    parsed: unjson(r.parsed),
    repairs: (unjson(r.repairs) as string[] | null) ?? [],
    errors: (unjson(r.errors) as StoredError[] | null) ?? [],
    verdict: unjson(r.verdict),
    outcome: r.outcome,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsd: r.cost_usd,
    latencyMs: r.latency_ms,
    batchId: r.batch_id,
    createdAt: r.created_at,
  };
}
