import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { MiniAstroError } from '../../../src/core/errors';
import { openDatabase } from '../../../src/pipeline/store/database';
import { latestSchemaVersion } from '../../../src/pipeline/store/migrations';
import { tempDir } from '../../helpers/tmp';

test('a new database is created with WAL and the latest schema', (t) => {
  const file = path.join(tempDir(t), 'nested', 'astro.db');
  const db = openDatabase(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), latestSchemaVersion);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[];
  assert.deepEqual(
    tables.map((r) => r.name),
    [
      'batch_papers',
      'batches',
      'eval_ids',
      'fetch_runs',
      'human_decisions',
      'llm_batch_items',
      'llm_batches',
      'llm_calls',
      'paper_categories',
      'papers',
      'supervision',
    ],
  );
  db.close();
  // Reopening runs no migration twice.
  const again = openDatabase(file);
  assert.equal(again.pragma('user_version', { simple: true }), latestSchemaVersion);
  again.close();
});

function expectDatabaseError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MiniAstroError, String(e));
    assert.equal(e.kind, 'database');
    assert.match(e.message, pattern);
    assert.ok(e.hint.length > 0);
    return true;
  });
}

test('a file that is not SQLite is refused and left untouched', (t) => {
  const file = path.join(tempDir(t), 'notes.db');
  writeFileSync(file, 'These are my notes, not a database.\n'.repeat(20));
  const before = readFileSync(file);
  expectDatabaseError(() => openDatabase(file), /is not a SQLite database/);
  assert.deepEqual(readFileSync(file), before);
});

test('a database from a newer MiniAstroLM is refused without modification', (t) => {
  const file = path.join(tempDir(t), 'future.db');
  const raw = new Database(file);
  raw.exec("CREATE TABLE papers (id TEXT PRIMARY KEY); INSERT INTO papers VALUES ('2501.00001')");
  raw.pragma(`user_version = ${latestSchemaVersion + 7}`);
  raw.close();
  const before = readFileSync(file);
  expectDatabaseError(
    () => openDatabase(file),
    new RegExp(`schema version ${latestSchemaVersion + 7}, newer`),
  );
  assert.deepEqual(readFileSync(file), before);
});

test('a damaged SQLite file gives a clear error', (t) => {
  const file = path.join(tempDir(t), 'damaged.db');
  const raw = new Database(file);
  raw.exec('CREATE TABLE x (a); INSERT INTO x VALUES (1)');
  raw.close();
  const bytes = readFileSync(file);
  bytes.fill(0x5a, 16, 100); // keep the magic, smash the header fields after it
  writeFileSync(file, bytes);
  expectDatabaseError(() => openDatabase(file), /damaged\.db/);
});

test('read-only open of a missing database says how to create one', (t) => {
  expectDatabaseError(
    () => openDatabase(path.join(tempDir(t), 'missing.db'), { readonly: true }),
    /No database at/,
  );
});
