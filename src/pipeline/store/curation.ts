/**
 * The curation view over the workspace database: each paper's effective state (a person's decision wins over the
 * pipeline's: accepted, human-edited, rejected; else the pipeline's validated / accepted / rejected; else pending),
 * listed by state and search text, with everything a curator needs for one paper, and the dataset's statistics.
 * Reads only, except `clearDecision`; decisions themselves go through SupervisionStore.decide.
 */

import { countWords } from '../validate/text';
import { ruleNames, type ValidatorConfig } from '../validate/types';
import {
  type CurationDetail,
  type CurationFilter,
  type CurationPage,
  type CurationRow,
  type CurationState,
  type CurationStats,
  curationStates,
} from './curationTypes';
import type { Db } from './database';
import { SupervisionStore } from './supervision';

export * from './curationTypes';

interface RawRow {
  id: string;
  title: string;
  status: string | null;
  decision: string | null;
  human_explanation: string | null;
  explanation: string | null;
  eval: number;
  updated_at: string | null;
}

const STATE_SQL = `
  CASE
    WHEN h.decision = 'reject' THEN 'rejected'
    WHEN h.decision = 'accept' AND h.explanation IS NOT NULL THEN 'human-edited'
    WHEN h.decision = 'accept' THEN 'accepted'
    ELSE coalesce(s.status, 'pending')
  END`;

const FROM_SQL = `
  FROM papers p
  LEFT JOIN supervision s ON s.paper_id = p.id
  LEFT JOIN human_decisions h ON h.paper_id = p.id
  LEFT JOIN eval_ids e ON e.paper_id = p.id`;

const SEARCH_SQL = `(@search IS NULL OR p.id LIKE @search ESCAPE '\\' OR p.title LIKE @search ESCAPE '\\'
  OR p.abstract LIKE @search ESCAPE '\\' OR coalesce(h.explanation, s.explanation, '') LIKE @search ESCAPE '\\')`;

function toRow(raw: RawRow): CurationRow {
  const explanation = raw.human_explanation ?? raw.explanation;
  const state: CurationState =
    raw.decision === 'reject'
      ? 'rejected'
      : raw.decision === 'accept'
        ? raw.human_explanation !== null
          ? 'human-edited'
          : 'accepted'
        : ((raw.status ?? 'pending') as CurationState);
  return {
    paperId: raw.id,
    title: raw.title,
    state,
    human: raw.decision !== null,
    eval: raw.eval === 1,
    words: explanation ? countWords(explanation) : null,
    updatedAt: raw.updated_at,
  };
}

/** `%text%` for LIKE, with LIKE's own wildcards in the text taken literally. */
function likePattern(search: string | undefined): string | null {
  const text = search?.trim();
  return text ? `%${text.replace(/[\\%_]/g, '\\$&')}%` : null;
}

export class CurationStore {
  constructor(private readonly db: Db) {}

  counts(search?: string): Record<CurationFilter, number> {
    const rows = this.db
      .prepare(
        `SELECT ${STATE_SQL} AS state, (e.paper_id IS NOT NULL) AS eval, count(*) AS n ${FROM_SQL}
         WHERE ${SEARCH_SQL} GROUP BY 1, 2`,
      )
      .all({ search: likePattern(search) }) as { state: CurationState; eval: number; n: number }[];
    const counts = { all: 0, eval: 0 } as Record<CurationFilter, number>;
    for (const state of curationStates) counts[state] = 0;
    for (const r of rows) {
      counts[r.state] += r.n;
      counts.all += r.n;
      if (r.eval) counts.eval += r.n;
    }
    return counts;
  }

  /** Rows of `filter` matching `search` (id, title, abstract or explanation), most recently updated first. */
  list(
    filter: CurationFilter,
    options: { search?: string; offset?: number; limit?: number } = {},
  ): CurationPage {
    const where = [SEARCH_SQL];
    if (filter === 'eval') where.push('e.paper_id IS NOT NULL');
    else if (filter !== 'all') where.push(`${STATE_SQL} = @state`);
    const params = {
      search: likePattern(options.search),
      state: filter,
      limit: options.limit ?? 200,
      offset: options.offset ?? 0,
    };
    const select = `SELECT p.id, p.title, s.status, h.decision, h.explanation AS human_explanation, s.explanation,
        (e.paper_id IS NOT NULL) AS eval, coalesce(h.decided_at, s.updated_at) AS updated_at ${FROM_SQL}
      WHERE ${where.join(' AND ')}`;
    const rows = this.db
      .prepare(`${select} ORDER BY updated_at IS NULL, updated_at DESC, p.id LIMIT @limit OFFSET @offset`)
      .all(params) as RawRow[];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM (${select})`).get(params) as { n: number }).n;
    return { rows: rows.map(toRow), total, counts: this.counts(options.search) };
  }

  detail(paperId: string): CurationDetail | undefined {
    const raw = this.db
      .prepare(
        `SELECT p.id, p.title, p.abstract, p.authors, s.status, s.reason, s.judge_feedback, h.decision, h.note,
           h.explanation AS human_explanation, s.explanation, (e.paper_id IS NOT NULL) AS eval,
           coalesce(h.decided_at, s.updated_at) AS updated_at ${FROM_SQL} WHERE p.id = ?`,
      )
      .get(paperId) as
      | (RawRow & {
          abstract: string;
          authors: string;
          reason: string | null;
          judge_feedback: string | null;
          note: string | null;
        })
      | undefined;
    if (!raw) return undefined;
    const calls = new SupervisionStore(this.db).calls(paperId);
    return {
      row: toRow(raw),
      abstract: raw.abstract,
      authors: JSON.parse(raw.authors) as string[],
      explanation: raw.human_explanation ?? raw.explanation,
      pipelineExplanation: raw.human_explanation !== null ? raw.explanation : null,
      reason: raw.reason,
      note: raw.note,
      judge: raw.judge_feedback ? (JSON.parse(raw.judge_feedback) as unknown) : null,
      calls: calls.map((c) => ({
        id: c.id,
        role: c.role,
        attempt: c.attempt,
        model: c.model,
        outcome: c.outcome,
        costUsd: c.costUsd,
        createdAt: c.createdAt,
        errors: c.errors.map((e) => e.message),
      })),
    };
  }

  /** Removes a person's decision, so the pipeline's state counts again. */
  clearDecision(paperId: string): boolean {
    return this.db.prepare('DELETE FROM human_decisions WHERE paper_id = ?').run(paperId).changes > 0;
  }

  stats(validators: ValidatorConfig): CurationStats {
    const explanations = this.db
      .prepare(
        `SELECT coalesce(h.explanation, s.explanation) AS text ${FROM_SQL}
         WHERE ${STATE_SQL} IN ('validated', 'accepted', 'human-edited') AND coalesce(h.explanation, s.explanation) IS NOT NULL`,
      )
      .all() as { text: string }[];
    // Every teacher answer that was checked (not failed in transit), and the rules its errors name.
    const answers = this.db
      .prepare(`SELECT errors FROM llm_calls WHERE role = 'teacher' AND outcome IN ('ok', 'invalid')`)
      .all() as { errors: string | null }[];
    const failedBy = new Map<string, number>();
    for (const a of answers) {
      const rules = new Set((JSON.parse(a.errors ?? '[]') as { rule: string }[]).map((e) => e.rule));
      for (const rule of rules) failedBy.set(rule, (failedBy.get(rule) ?? 0) + 1);
    }
    return {
      counts: this.counts(),
      words: explanations.map((e) => countWords(e.text)),
      band: { min: validators.minWords, max: validators.maxWords },
      validators: ruleNames.map((rule) => ({
        rule,
        checked: answers.length,
        passed: answers.length - (failedBy.get(rule) ?? 0),
      })),
    };
  }
}
