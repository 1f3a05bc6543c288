/**
 * Opening the workspace database: refuse anything that is not ours (a folder, a device, not SQLite, another
 * program's SQLite file, a newer schema) with a clear message before touching it, then WAL mode and pending
 * migrations, each in its own transaction. SQLite's own faults on the way (locked, read-only, damaged, disk full)
 * become messages saying what happened (faults.ts).
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MiniAstroError } from '../../core/errors';
import { databaseFault, defaultBusyTimeoutMs } from './faults';
import { latestSchemaVersion, type Migration, migrations } from './migrations';

export type Db = Database.Database;

/** Default location, relative to the workspace folder. */
export const defaultDatabasePath = path.join('.miniastrolm', 'astro.db');

const sqliteMagic = 'SQLite format 3\u0000';

function fileKind(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** A folder, /dev/null or a pipe where a database file should be: refused before SQLite sees it. */
function assertDatabaseFile(file: string): boolean {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch {
    return false;
  }
  if (stats.isDirectory()) {
    throw new MiniAstroError(
      'database',
      `${file} is a folder, not a database file.`,
      `Point --db (or MINIASTROLM_DB) at a file, for example ${path.join(file, 'astro.db')}.`,
    );
  }
  if (!stats.isFile()) {
    throw new MiniAstroError(
      'database',
      `${file} is ${fileKind(stats)}, not a database file.`,
      'Point --db (or MINIASTROLM_DB) at a file path, such as .miniastrolm/astro.db.',
    );
  }
  return true;
}

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
  /** How long a write waits for another process's transaction (default 10 s). */
  readonly busyTimeoutMs?: number;
}

/** Our tables; a database holding tables but none of these (or no `papers`) belongs to another program. */
function assertOurs(db: Db, file: string, version: number): void {
  const tables = (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .all() as {
      name: string;
    }[]
  ).map((r) => r.name);
  const foreign = version === 0 ? tables.length > 0 : !tables.includes('papers');
  if (!foreign) return;
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', ...' : '');
  throw new MiniAstroError(
    'database',
    `${file} is a SQLite database of another program (tables: ${shown || 'none'}; schema version ${version}), ` +
      'not a MiniAstroLM database.',
    'Point --db at a MiniAstroLM database, or at a path that does not exist yet to create one. The file was ' +
      'left untouched.',
  );
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? defaultBusyTimeoutMs;
  const exists = existsSync(file) && assertDatabaseFile(file);
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
    db = new Database(file, { readonly: options.readonly === true, timeout: busyTimeoutMs });
  } catch (error) {
    throw databaseFault(error, file, busyTimeoutMs) ?? error;
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
    assertOurs(db, file, version);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, version, migrations);
    }
    return db;
  } catch (error) {
    db.close();
    throw databaseFault(error, file, busyTimeoutMs) ?? error;
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
