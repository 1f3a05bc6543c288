/**
 * Opening the workspace database: refuse anything that is not ours (not SQLite, or a newer schema) with a clear
 * message before touching it, then WAL mode and pending migrations, each in its own transaction.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeError, MiniAstroError } from '../../core/errors';
import { latestSchemaVersion, type Migration, migrations } from './migrations';

export type Db = Database.Database;

/** Default location, relative to the workspace folder. */
export const defaultDatabasePath = path.join('.miniastrolm', 'astro.db');

const sqliteMagic = 'SQLite format 3\u0000';

function assertLooksLikeSqlite(file: string): void {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(16);
    const read = readSync(fd, header, 0, 16, 0);
    // A zero-length file is what SQLite itself creates before the first write: treat it as new.
    if (read === 0) return;
    if (read < 16 || header.toString('latin1') !== sqliteMagic) {
      throw new MiniAstroError(
        'database',
        `${file} is not a SQLite database (its first bytes are not the SQLite header).`,
        'Point --db at a MiniAstroLM database, or at a path that does not exist yet to create one. The file was left untouched.',
      );
    }
  } finally {
    closeSync(fd);
  }
}

export interface OpenDatabaseOptions {
  /** Open without creating or migrating (for read-only commands). */
  readonly readonly?: boolean;
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  const exists = existsSync(file);
  if (exists) assertLooksLikeSqlite(file);
  else if (options.readonly) {
    throw new MiniAstroError(
      'database',
      `No database at ${file}.`,
      'Run `miniastrolm fetch` or `miniastrolm import` first, or pass --db with the right path.',
    );
  } else mkdirSync(path.dirname(path.resolve(file)), { recursive: true });

  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly === true, timeout: 10_000 });
  } catch (error) {
    throw new MiniAstroError(
      'database',
      `Cannot open database ${file}: ${describeError(error)}`,
      'Check the path and its permissions.',
      {
        cause: error,
      },
    );
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > latestSchemaVersion) {
      throw new MiniAstroError(
        'database',
        `${file} has schema version ${version}, newer than this MiniAstroLM understands (${latestSchemaVersion}).`,
        'Update MiniAstroLM, or use another --db path. The database was not modified.',
      );
    }
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, version, migrations);
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof MiniAstroError) throw error;
    throw new MiniAstroError(
      'database',
      `Cannot use database ${file}: ${describeError(error)}`,
      'The file may be damaged. Move it aside and run again to start a fresh database.',
      { cause: error },
    );
  }
}

function migrate(db: Db, from: number, all: readonly Migration[]): void {
  for (const migration of all) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
