/**
 * Papers keyed by arXiv id without version. An upsert keeps whichever copy is newer (higher version, else later
 * `updated` date), so re-fetching, overlapping pages and mixed sources never duplicate or regress a paper.
 */
import type { Paper } from '../arxiv/types';
import type { Db } from './database';

/** Where a paper came from; 'editor' is an abstract read from a document (a .tex draft, a .bib entry). */
export type PaperSource = 'arxiv-api' | 'oai-pmh' | 'import' | 'editor';

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

interface PaperRow {
  id: string;
  version: number | null;
  title: string;
  abstract: string;
  authors: string;
  categories: string;
  primary_category: string | null;
  published: string | null;
  updated: string | null;
  doi: string | null;
  journal_ref: string | null;
  comment: string | null;
  source: string;
  fetched_at: string;
}

export interface StoredPaper extends Paper {
  source: string;
  fetchedAt: string;
}

function fromRow(row: PaperRow): StoredPaper {
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    abstract: row.abstract,
    authors: JSON.parse(row.authors) as string[],
    categories: JSON.parse(row.categories) as string[],
    primaryCategory: row.primary_category,
    published: row.published,
    updated: row.updated,
    doi: row.doi,
    journalRef: row.journal_ref,
    comment: row.comment,
    source: row.source,
    fetchedAt: row.fetched_at,
  };
}

/** Prepared statements for one database; build once per connection, reuse for every page. */
export class PaperStore {
  private readonly existsStmt;
  private readonly upsertStmt;
  private readonly deleteCategoriesStmt;
  private readonly insertCategoryStmt;
  private readonly getStmt;

  constructor(readonly db: Db) {
    this.existsStmt = db.prepare<[string], { version: number | null; updated: string | null }>(
      'SELECT version, updated FROM papers WHERE id = ?',
    );
    // The WHERE clause makes an older copy a no-op (changes() = 0): the latest version wins.
    this.upsertStmt = db.prepare(`
      INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated,
                          doi, journal_ref, comment, source, fetched_at)
      VALUES (@id, @version, @title, @abstract, @authors, @categories, @primaryCategory, @published, @updated,
              @doi, @journalRef, @comment, @source, @fetchedAt)
      ON CONFLICT (id) DO UPDATE SET
        version = excluded.version, title = excluded.title, abstract = excluded.abstract,
        authors = excluded.authors, categories = excluded.categories,
        primary_category = excluded.primary_category,
        published = coalesce(excluded.published, papers.published), updated = excluded.updated,
        doi = coalesce(excluded.doi, papers.doi), journal_ref = coalesce(excluded.journal_ref, papers.journal_ref),
        comment = coalesce(excluded.comment, papers.comment), source = excluded.source, fetched_at = excluded.fetched_at
      WHERE
        CASE WHEN excluded.version IS NOT NULL AND papers.version IS NOT NULL AND excluded.version <> papers.version
             THEN excluded.version > papers.version
             ELSE coalesce(excluded.updated, '') >= coalesce(papers.updated, '')
        END
        AND (excluded.title, excluded.abstract, excluded.authors, excluded.categories,
             coalesce(excluded.updated, ''), coalesce(excluded.version, -1))
            IS NOT (papers.title, papers.abstract, papers.authors, papers.categories,
             coalesce(papers.updated, ''), coalesce(papers.version, -1))
    `);
    this.deleteCategoriesStmt = db.prepare('DELETE FROM paper_categories WHERE paper_id = ?');
    this.insertCategoryStmt = db.prepare(
      'INSERT OR IGNORE INTO paper_categories (category, paper_id) VALUES (?, ?)',
    );
    this.getStmt = db.prepare<[string], PaperRow>('SELECT * FROM papers WHERE id = ?');
  }

  /** Writes papers in the caller's transaction (or its own when called outside one). */
  upsertMany(papers: readonly Paper[], source: PaperSource, fetchedAt: string): UpsertCounts {
    const counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
    const run = () => {
      for (const paper of papers) {
        const existed = this.existsStmt.get(paper.id) !== undefined;
        const info = this.upsertStmt.run({
          id: paper.id,
          version: paper.version,
          title: paper.title,
          abstract: paper.abstract,
          authors: JSON.stringify(paper.authors),
          categories: JSON.stringify(paper.categories),
          primaryCategory: paper.primaryCategory,
          published: paper.published,
          updated: paper.updated,
          doi: paper.doi,
          journalRef: paper.journalRef,
          comment: paper.comment,
          source,
          fetchedAt,
        });
        if (info.changes === 0) {
          counts.unchanged++;
          continue;
        }
        if (existed) {
          counts.updated++;
          this.deleteCategoriesStmt.run(paper.id);
        } else counts.inserted++;
        for (const category of paper.categories) this.insertCategoryStmt.run(category, paper.id);
      }
    };
    if (this.db.inTransaction) run();
    else this.db.transaction(run)();
    return counts;
  }

  get(id: string): StoredPaper | undefined {
    const row = this.getStmt.get(id);
    return row ? fromRow(row) : undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  }

  /** Most recently published first. */
  list(limit: number, offset = 0): StoredPaper[] {
    return this.db
      .prepare<[number, number], PaperRow>(
        'SELECT * FROM papers ORDER BY published DESC, id DESC LIMIT ? OFFSET ?',
      )
      .all(limit, offset)
      .map(fromRow);
  }

  listByIds(ids: readonly string[]): StoredPaper[] {
    const stmt = this.getStmt;
    return ids.flatMap((id) => {
      const row = stmt.get(id);
      return row ? [fromRow(row)] : [];
    });
  }
}
