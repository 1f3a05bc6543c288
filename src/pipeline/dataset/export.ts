/**
 * Export of the curated dataset: accepted rows (a human decision overrides the pipeline's, both ways), split into
 * train and eval files deterministically, with eval ids frozen in the database so they never enter training.
 */
import { assertOutputFile, writeAll, writeOutputFileAtomic } from '../../core/atomicFile';
import { type Clock, isoNow } from '../../core/clock';
import type { Db } from '../store/database';
import type { CuratedRow } from './curated';
import { isEvalBySplit } from './split';

export interface ExportOptions {
  /** Training rows go here. */
  out: string;
  /** Eval rows go here (default: `out` with `.eval.jsonl`). */
  evalOut?: string;
  evalFraction: number;
  salt: string;
}

export interface ExportResult {
  exported: number;
  train: number;
  eval: number;
  newlyFrozen: number;
  out: string;
  evalOut: string;
}

interface Candidate {
  id: string;
  title: string;
  abstract: string;
  status: string | null;
  explanation: string | null;
  judge_feedback: string | null;
  decision: 'accept' | 'reject' | null;
  human_explanation: string | null;
  frozen: number;
}

export function defaultEvalPath(out: string): string {
  return out.endsWith('.jsonl') ? `${out.slice(0, -'.jsonl'.length)}.eval.jsonl` : `${out}.eval.jsonl`;
}

/** Writes to a temp file, fsyncs and renames, so a reader never sees half a dataset. */
function writeJsonlAtomic(file: string, flag: string, rows: readonly CuratedRow[]): void {
  writeOutputFileAtomic(file, flag, (fd) => {
    for (const row of rows) writeAll(fd, Buffer.from(`${JSON.stringify(row)}\n`, 'utf8'));
  });
}

export function exportCurated(db: Db, options: ExportOptions, clock: Clock): ExportResult {
  const evalOut = options.evalOut ?? defaultEvalPath(options.out);
  // Both targets are checked before eval ids are frozen or anything is written.
  assertOutputFile(options.out, '--out');
  assertOutputFile(evalOut, '--eval-out');
  const candidates = db
    .prepare(
      `SELECT p.id, p.title, p.abstract, s.status, s.explanation, s.judge_feedback, h.decision,
              h.explanation AS human_explanation, (e.paper_id IS NOT NULL) AS frozen
       FROM papers p
       LEFT JOIN supervision s ON s.paper_id = p.id
       LEFT JOIN human_decisions h ON h.paper_id = p.id
       LEFT JOIN eval_ids e ON e.paper_id = p.id
       WHERE s.status = 'accepted' OR h.decision IS NOT NULL
       ORDER BY p.id`,
    )
    .all() as Candidate[];
  const freeze = db.prepare(
    "INSERT OR IGNORE INTO eval_ids (paper_id, source, frozen_at) VALUES (?, 'split', ?)",
  );
  const train: CuratedRow[] = [];
  const evalRows: CuratedRow[] = [];
  let newlyFrozen = 0;
  const now = isoNow(clock);
  db.transaction(() => {
    for (const c of candidates) {
      const accepted = c.decision ? c.decision === 'accept' : c.status === 'accepted';
      const explanation = c.human_explanation ?? c.explanation;
      if (!accepted || !explanation) continue;
      const row: CuratedRow = {
        id: c.id,
        title: c.title,
        abstract: c.abstract,
        target_explanation: explanation,
        judge_feedback: c.judge_feedback ? (JSON.parse(c.judge_feedback) as unknown) : null,
        accepted: true,
      };
      const toEval = c.frozen === 1 || isEvalBySplit(c.id, options.evalFraction, options.salt);
      if (toEval && c.frozen !== 1) newlyFrozen += freeze.run(c.id, now).changes;
      (toEval ? evalRows : train).push(row);
    }
  })();
  writeJsonlAtomic(options.out, '--out', train);
  writeJsonlAtomic(evalOut, '--eval-out', evalRows);
  return {
    exported: train.length + evalRows.length,
    train: train.length,
    eval: evalRows.length,
    newlyFrozen,
    out: options.out,
    evalOut,
  };
}

/** Freezes ids read from a file (e.g. the seed project's 50 eval abstracts) so they never enter training. */
export function freezeEvalIds(db: Db, ids: readonly string[], source: string, clock: Clock): number {
  const insert = db.prepare('INSERT OR IGNORE INTO eval_ids (paper_id, source, frozen_at) VALUES (?, ?, ?)');
  const now = isoNow(clock);
  return db.transaction(() => ids.reduce((n, id) => n + insert.run(id, source, now).changes, 0))();
}
