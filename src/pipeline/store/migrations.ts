/**
 * The schema, as an append-only list of migrations. `PRAGMA user_version` records how many have run; a database
 * from a newer MiniAstroLM (user_version beyond this list) is refused rather than half-understood.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'papers, categories, fetch cursors, batches',
    sql: `
      CREATE TABLE papers (
        id               TEXT PRIMARY KEY,
        version          INTEGER,
        title            TEXT NOT NULL,
        abstract         TEXT NOT NULL,
        authors          TEXT NOT NULL,   -- JSON array of names
        categories       TEXT NOT NULL,   -- JSON array, primary first
        primary_category TEXT,
        published        TEXT,
        updated          TEXT,
        doi              TEXT,
        journal_ref      TEXT,
        comment          TEXT,
        source           TEXT NOT NULL,   -- 'arxiv-api' | 'oai-pmh' | 'import'
        fetched_at       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX papers_published ON papers(published);

      -- One row per (category, paper) so batches can select by category without scanning JSON.
      CREATE TABLE paper_categories (
        category TEXT NOT NULL,
        paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (category, paper_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX paper_categories_paper ON paper_categories(paper_id);

      -- A resumable ingest run: its parameters, where it stands, and how it ended.
      CREATE TABLE fetch_runs (
        key         TEXT PRIMARY KEY,     -- source + canonical parameters
        source      TEXT NOT NULL,        -- 'arxiv-api' | 'oai-pmh'
        params      TEXT NOT NULL,        -- JSON
        cursor      TEXT NOT NULL,        -- JSON: {"start": n} or {"resumptionToken": "..."}
        total       INTEGER,
        received    INTEGER NOT NULL DEFAULT 0,
        stored      INTEGER NOT NULL DEFAULT 0,
        status      TEXT NOT NULL CHECK (status IN ('running', 'done')),
        started_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE batches (
        name       TEXT PRIMARY KEY,
        criteria   TEXT NOT NULL,         -- JSON of the selection that made it
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE batch_papers (
        batch_name TEXT NOT NULL REFERENCES batches(name) ON DELETE CASCADE,
        paper_id   TEXT NOT NULL REFERENCES papers(id),
        position   INTEGER NOT NULL,
        PRIMARY KEY (batch_name, paper_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX batch_papers_paper ON batch_papers(paper_id);
    `,
  },
];

export const latestSchemaVersion = migrations.length;
