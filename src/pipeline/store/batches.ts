/**
 * Named batches of papers for the teacher: a frozen selection (by category, date range, size, and whether a paper
 * already sits in another batch), so a supervision run works on a list that does not shift under it.
 */
import { MiniAstroError } from '../../core/errors';
import type { Db } from './database';

export interface BatchCriteria {
  /** Papers listing any of these categories (e.g. `astro-ph.GA`); a bare archive (`astro-ph`) matches its subcategories. */
  categories?: string[];
  /** Inclusive bounds on the published date, `YYYY-MM-DD`. */
  from?: string;
  until?: string;
  /** Leave out papers that already belong to some batch. */
  excludeBatched?: boolean;
  /** Leave out papers the teacher has already handled (any supervision state) or a person has decided. */
  excludeSupervised?: boolean;
  /** At most this many papers, newest first. */
  size?: number;
}

export interface BatchSummary {
  name: string;
  criteria: BatchCriteria;
  createdAt: string;
  papers: number;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function checkCriteria(criteria: BatchCriteria): void {
  for (const [key, value] of [
    ['from', criteria.from],
    ['until', criteria.until],
  ] as const) {
    if (value !== undefined && !datePattern.test(value)) {
      throw new MiniAstroError(
        'usage',
        `--${key} must be a date like 2025-01-31; got "${value}".`,
        'Use YYYY-MM-DD.',
      );
    }
  }
  if (criteria.size !== undefined && (!Number.isInteger(criteria.size) || criteria.size <= 0)) {
    throw new MiniAstroError(
      'usage',
      `--size must be a positive integer; got ${criteria.size}.`,
      'For example --size 500.',
    );
  }
}

export class BatchStore {
  constructor(private readonly db: Db) {}

  /** Selects the papers and freezes them under `name`. Returns how many it holds. */
  create(name: string, criteria: BatchCriteria, now: string): BatchSummary {
    if (!/^[\w.-]{1,100}$/.test(name)) {
      throw new MiniAstroError(
        'usage',
        `Batch name "${name}" is not allowed.`,
        'Use letters, digits, ".", "_" and "-" (at most 100 characters).',
      );
    }
    checkCriteria(criteria);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (criteria.categories && criteria.categories.length > 0) {
      const ors = criteria.categories.map((c) => {
        params.push(c, `${c}.%`);
        return '(pc.category = ? OR pc.category LIKE ?)';
      });
      where.push(
        `EXISTS (SELECT 1 FROM paper_categories pc WHERE pc.paper_id = p.id AND (${ors.join(' OR ')}))`,
      );
    }
    if (criteria.from) {
      where.push('p.published >= ?');
      params.push(criteria.from);
    }
    if (criteria.until) {
      // Published values are timestamps; anything on the `until` day is in range.
      where.push('p.published < ?');
      params.push(`${criteria.until}\uffff`);
    }
    if (criteria.excludeBatched)
      where.push('NOT EXISTS (SELECT 1 FROM batch_papers bp WHERE bp.paper_id = p.id)');
    if (criteria.excludeSupervised) {
      where.push('NOT EXISTS (SELECT 1 FROM supervision s WHERE s.paper_id = p.id)');
      where.push('NOT EXISTS (SELECT 1 FROM human_decisions h WHERE h.paper_id = p.id)');
    }
    const sql = `SELECT p.id FROM papers p ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY p.published DESC, p.id ${criteria.size ? 'LIMIT ?' : ''}`;
    if (criteria.size) params.push(criteria.size);

    return this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM batches WHERE name = ?').get(name)) {
        throw new MiniAstroError(
          'usage',
          `A batch named "${name}" already exists.`,
          'Pick another name, or delete it first with `miniastrolm batch delete`.',
        );
      }
      const ids = this.db.prepare<(string | number)[], { id: string }>(sql).all(...params);
      this.db
        .prepare('INSERT INTO batches (name, criteria, created_at) VALUES (?, ?, ?)')
        .run(name, JSON.stringify(criteria), now);
      const insert = this.db.prepare(
        'INSERT INTO batch_papers (batch_name, paper_id, position) VALUES (?, ?, ?)',
      );
      ids.forEach((row, i) => {
        insert.run(name, row.id, i);
      });
      return { name, criteria, createdAt: now, papers: ids.length };
    })();
  }

  list(): BatchSummary[] {
    const rows = this.db
      .prepare<[], { name: string; criteria: string; created_at: string; papers: number }>(
        `SELECT b.name, b.criteria, b.created_at, count(bp.paper_id) AS papers
         FROM batches b LEFT JOIN batch_papers bp ON bp.batch_name = b.name
         GROUP BY b.name ORDER BY b.created_at, b.name`,
      )
      .all();
    return rows.map((r) => ({
      name: r.name,
      criteria: JSON.parse(r.criteria) as BatchCriteria,
      createdAt: r.created_at,
      papers: r.papers,
    }));
  }

  paperIds(name: string): string[] {
    if (!this.db.prepare('SELECT 1 FROM batches WHERE name = ?').get(name)) {
      throw new MiniAstroError(
        'usage',
        `No batch named "${name}".`,
        'List batches with `miniastrolm batch list`.',
      );
    }
    return this.db
      .prepare<[string], { paper_id: string }>(
        'SELECT paper_id FROM batch_papers WHERE batch_name = ? ORDER BY position',
      )
      .all(name)
      .map((r) => r.paper_id);
  }

  delete(name: string): boolean {
    return this.db.prepare('DELETE FROM batches WHERE name = ?').run(name).changes > 0;
  }
}
