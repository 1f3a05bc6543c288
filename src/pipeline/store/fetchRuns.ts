/**
 * Where a resumable ingest run stands. The cursor is written in the same transaction as the page it follows, so
 * after a kill the database holds exactly the pages before the cursor: a rerun resumes with no gap and no repeat.
 */
import type { Db } from './database';

export type RunSource = 'arxiv-api' | 'oai-pmh';
export type RunCursor = { start: number } | { resumptionToken: string | null };

export interface FetchRun {
  key: string;
  source: RunSource;
  params: Record<string, unknown>;
  cursor: RunCursor;
  total: number | null;
  received: number;
  stored: number;
  status: 'running' | 'done';
  startedAt: string;
  updatedAt: string;
}

interface FetchRunRow {
  key: string;
  source: RunSource;
  params: string;
  cursor: string;
  total: number | null;
  received: number;
  stored: number;
  status: 'running' | 'done';
  started_at: string;
  updated_at: string;
}

function fromRow(row: FetchRunRow): FetchRun {
  return {
    key: row.key,
    source: row.source,
    params: JSON.parse(row.params) as Record<string, unknown>,
    cursor: JSON.parse(row.cursor) as RunCursor,
    total: row.total,
    received: row.received,
    stored: row.stored,
    status: row.status,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
  };
}

/** A stable key for a run: the same parameters always name the same run, whatever their order. */
export function runKey(source: RunSource, params: Record<string, unknown>): string {
  const sorted = Object.fromEntries(
    Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return `${source}:${JSON.stringify(sorted)}`;
}

export class FetchRunStore {
  constructor(private readonly db: Db) {}

  get(key: string): FetchRun | undefined {
    const row = this.db.prepare<[string], FetchRunRow>('SELECT * FROM fetch_runs WHERE key = ?').get(key);
    return row ? fromRow(row) : undefined;
  }

  /** Starts a run afresh (first time, or after a finished one, or when asked to restart). */
  begin(
    key: string,
    source: RunSource,
    params: Record<string, unknown>,
    cursor: RunCursor,
    now: string,
  ): FetchRun {
    this.db
      .prepare(
        `INSERT INTO fetch_runs (key, source, params, cursor, total, received, stored, status, started_at, updated_at)
         VALUES (?, ?, ?, ?, NULL, 0, 0, 'running', ?, ?)
         ON CONFLICT (key) DO UPDATE SET cursor = excluded.cursor, total = NULL, received = 0, stored = 0,
           status = 'running', started_at = excluded.started_at, updated_at = excluded.updated_at`,
      )
      .run(key, source, JSON.stringify(params), JSON.stringify(cursor), now, now);
    return this.get(key)!;
  }

  /** Call inside the page's transaction. */
  advance(
    key: string,
    cursor: RunCursor,
    delta: { received: number; stored: number; total: number | null },
    now: string,
  ): void {
    this.db
      .prepare(
        `UPDATE fetch_runs SET cursor = ?, received = received + ?, stored = stored + ?,
           total = coalesce(?, total), updated_at = ? WHERE key = ?`,
      )
      .run(JSON.stringify(cursor), delta.received, delta.stored, delta.total, now, key);
  }

  finish(key: string, now: string): void {
    this.db.prepare(`UPDATE fetch_runs SET status = 'done', updated_at = ? WHERE key = ?`).run(now, key);
  }

  list(): FetchRun[] {
    return this.db
      .prepare<[], FetchRunRow>('SELECT * FROM fetch_runs ORDER BY updated_at DESC')
      .all()
      .map(fromRow);
  }
}
