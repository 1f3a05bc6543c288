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
  {
    version: 2,
    description:
      'supervision: every LLM call, the state of each paper, human decisions, frozen eval ids, batch jobs',
    sql: `
      -- Every teacher and judge call, successful or not: the raw answer, how it parsed, what the validators and the
      -- judge said, tokens and cost. Nothing is overwritten; a paper's history is its rows in order.
      CREATE TABLE llm_calls (
        id                INTEGER PRIMARY KEY,
        paper_id          TEXT NOT NULL REFERENCES papers(id),
        role              TEXT NOT NULL CHECK (role IN ('teacher', 'judge')),
        attempt           INTEGER NOT NULL,
        prompt_name       TEXT NOT NULL,
        prompt_hash       TEXT NOT NULL,
        base_url          TEXT NOT NULL,
        model             TEXT NOT NULL,
        output_mode       TEXT,
        raw_response      TEXT,           -- NULL when the call itself failed
        parsed            TEXT,           -- JSON of the object recovered from the answer
        repairs           TEXT,           -- JSON array of repairs applied to recover it
        errors            TEXT,           -- JSON array of {rule, code, message}
        verdict           TEXT,           -- JSON, judge calls only
        outcome           TEXT NOT NULL,  -- ok | invalid | rejected | failed
        input_tokens      INTEGER NOT NULL DEFAULT 0,
        output_tokens     INTEGER NOT NULL DEFAULT 0,
        cost_usd          REAL NOT NULL DEFAULT 0,
        latency_ms        INTEGER,
        batch_id          TEXT,
        created_at        TEXT NOT NULL
      ) STRICT;
      CREATE INDEX llm_calls_paper ON llm_calls(paper_id, role, attempt);

      -- Where each paper stands. A paper with no row here has not been supervised (or only failed in transit).
      CREATE TABLE supervision (
        paper_id        TEXT PRIMARY KEY REFERENCES papers(id),
        status          TEXT NOT NULL CHECK (status IN ('validated', 'accepted', 'rejected')),
        explanation     TEXT,
        attempts        INTEGER NOT NULL,
        reason          TEXT,
        teacher_call_id INTEGER REFERENCES llm_calls(id),
        judge_call_id   INTEGER REFERENCES llm_calls(id),
        judge_feedback  TEXT,           -- JSON verdict
        updated_at      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX supervision_status ON supervision(status);

      -- A person's decision from curation; kept apart so no rerun can overwrite it, and it always wins.
      CREATE TABLE human_decisions (
        paper_id    TEXT PRIMARY KEY REFERENCES papers(id),
        decision    TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
        explanation TEXT,               -- an edited explanation, when the person rewrote it
        note        TEXT,
        decided_at  TEXT NOT NULL
      ) STRICT;

      -- Papers frozen for evaluation: once here, a paper never enters a training export.
      CREATE TABLE eval_ids (
        paper_id  TEXT PRIMARY KEY,
        source    TEXT NOT NULL,        -- 'split' (chosen by the deterministic split) or the file it was read from
        frozen_at TEXT NOT NULL
      ) STRICT;

      -- OpenAI Batch API jobs, so a restart between submit and collect loses nothing.
      CREATE TABLE llm_batches (
        batch_id      TEXT PRIMARY KEY,
        role          TEXT NOT NULL CHECK (role IN ('teacher', 'judge')),
        requests      INTEGER NOT NULL,
        status        TEXT NOT NULL,
        submitted_at  TEXT NOT NULL,
        collected_at  TEXT
      ) STRICT;
      CREATE TABLE llm_batch_items (
        batch_id  TEXT NOT NULL REFERENCES llm_batches(batch_id),
        custom_id TEXT NOT NULL,
        paper_id  TEXT NOT NULL REFERENCES papers(id),
        attempt   INTEGER NOT NULL,
        PRIMARY KEY (batch_id, custom_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX llm_batch_items_paper ON llm_batch_items(paper_id);
    `,
  },
];

export const latestSchemaVersion = migrations.length;
