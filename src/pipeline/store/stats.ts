/** What the database holds, for `db stats` and the editor's status. */
import type { Db } from './database';

export interface DatabaseStats {
  papers: number;
  categories: { category: string; papers: number }[];
  published: { earliest: string | null; latest: string | null };
  sources: Record<string, number>;
  batches: number;
  runs: { key: string; status: string; received: number; stored: number; total: number | null }[];
  schemaVersion: number;
}

export function databaseStats(db: Db, topCategories = 15): DatabaseStats {
  const papers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  const categories = db
    .prepare<[number], { category: string; papers: number }>(
      'SELECT category, count(*) AS papers FROM paper_categories GROUP BY category ORDER BY papers DESC, category LIMIT ?',
    )
    .all(topCategories);
  const published = db
    .prepare('SELECT min(published) AS earliest, max(published) AS latest FROM papers')
    .get() as {
    earliest: string | null;
    latest: string | null;
  };
  const sources = Object.fromEntries(
    db
      .prepare<[], { source: string; n: number }>('SELECT source, count(*) AS n FROM papers GROUP BY source')
      .all()
      .map((r) => [r.source, r.n]),
  );
  const batches = (db.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }).n;
  const runs = db
    .prepare<[], { key: string; status: string; received: number; stored: number; total: number | null }>(
      'SELECT key, status, received, stored, total FROM fetch_runs ORDER BY updated_at DESC',
    )
    .all();
  const schemaVersion = db.pragma('user_version', { simple: true }) as number;
  return { papers, categories, published, sources, batches, runs, schemaVersion };
}
