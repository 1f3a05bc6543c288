/** Which papers a supervision run works on: a frozen batch, or every paper in the state the verb handles. */
import { BatchStore } from '../store/batches';
import type { Db } from '../store/database';

export interface SelectionOptions {
  batch?: string;
  limit?: number;
  /** Also papers whose explanation awaits a verdict (teach runs the judge after the teacher). */
  includeValidated?: boolean;
}

/**
 * Papers the teacher has not handled yet (no state, no human decision), oldest id first for a stable order; with
 * `includeValidated`, also those a killed run left between teacher and judge.
 */
export function papersForTeacher(db: Db, options: SelectionOptions): string[] {
  const ids = options.batch
    ? new BatchStore(db).paperIds(options.batch)
    : (
        db
          .prepare(
            `SELECT p.id FROM papers p
           WHERE NOT EXISTS (SELECT 1 FROM supervision s WHERE s.paper_id = p.id AND (s.status <> 'validated' OR NOT ?))
             AND NOT EXISTS (SELECT 1 FROM human_decisions h WHERE h.paper_id = p.id)
           ORDER BY p.id`,
          )
          .all(options.includeValidated ? 1 : 0) as { id: string }[]
      ).map((r) => r.id);
  return options.limit ? ids.slice(0, options.limit) : ids;
}

/** Papers whose explanation passed the validators and await a verdict. */
export function papersForJudge(db: Db, options: SelectionOptions): string[] {
  const validated = new Set(
    (
      db.prepare("SELECT paper_id FROM supervision WHERE status = 'validated' ORDER BY paper_id").all() as {
        paper_id: string;
      }[]
    ).map((r) => r.paper_id),
  );
  const ids = options.batch
    ? new BatchStore(db).paperIds(options.batch).filter((id) => validated.has(id))
    : [...validated];
  return options.limit ? ids.slice(0, options.limit) : ids;
}
