/**
 * What went wrong with a database file, in words a user can act on. SQLite reports faults as result codes (a
 * lock, a read-only file or folder, a damaged page, a full disk); each gets its own message and hint here, so
 * "The file may be damaged. Move it aside" is said only when it is true. Used when a database is opened and for
 * any SQLite error a command meets later (a write blocked by another process, a disk filling up mid-import).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from '../../core/errors';

/** How long a write waits for another process's transaction before giving up (SQLite's busy timeout). */
export const defaultBusyTimeoutMs = 10_000;

/** The SQLite result code of an error thrown by better-sqlite3 (`SQLITE_BUSY`, `SQLITE_READONLY_DIRECTORY`, ...). */
export function sqliteCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

function writable(target: string): boolean {
  try {
    accessSync(target, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function exists(target: string): boolean {
  try {
    statSync(target);
    return true;
  } catch {
    return false;
  }
}

const untouched = 'Nothing was changed by this run; what earlier runs stored is intact.';

function readOnly(file: string, error: unknown, code: string): MiniAstroError {
  const folder = path.dirname(path.resolve(file));
  const fileReadOnly = exists(file) && !writable(file);
  const folderReadOnly = code === 'SQLITE_READONLY_DIRECTORY' || (!fileReadOnly && !writable(folder));
  if (folderReadOnly) {
    return new MiniAstroError(
      'database',
      `The folder ${folder} is read-only, and SQLite must write beside ${path.basename(file)} ` +
        `(its -wal and -shm files, or the database itself when it is new).`,
      `Make the folder writable, or copy the database to a writable folder and pass --db. ${untouched}`,
      { cause: error },
    );
  }
  return new MiniAstroError(
    'database',
    fileReadOnly
      ? `${file} is read-only: this user may not write to it, so nothing can be stored (${code}).`
      : `${file} cannot be written (${describeError(error)}): the file system may be mounted read-only.`,
    `Make the file writable (chmod u+w), or copy it somewhere writable and pass --db. ${untouched}`,
    { cause: error },
  );
}

/**
 * A MiniAstroError for an error met while using the database at `file`, or null when `error` is not a database
 * fault (then it is someone else's to describe).
 */
export function databaseFault(
  error: unknown,
  file: string,
  busyTimeoutMs = defaultBusyTimeoutMs,
): MiniAstroError | null {
  if (error instanceof MiniAstroError) return error;
  const code = sqliteCode(error);
  if (code === null) return null;
  const detail = `${describeError(error)}`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new MiniAstroError(
      'database',
      `${file} is locked: another process is writing to it, and it did not finish within ` +
        `${(busyTimeoutMs / 1000).toFixed(busyTimeoutMs % 1000 === 0 ? 0 : 1)} s (${code}).`,
      'Let the other command on this database (a fetch, import or teach) finish, or stop it, then run this ' +
        "again. This run's open transaction was rolled back, so nothing is half-written; what it stored before is kept.",
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_READONLY')) return readOnly(file, error, code);
  if (code === 'SQLITE_FULL' || /ENOSPC|disk is full/i.test(detail)) {
    return new MiniAstroError(
      'database',
      `The disk holding ${file} is full: SQLite could not grow the database (${code}).`,
      `Free some space there (df -h ${path.dirname(path.resolve(file))}), or pass --db a path on another disk, ` +
        'then run the same command again. The interrupted transaction was rolled back; nothing is half-written.',
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new MiniAstroError(
      'database',
      `${file} is damaged: ${detail}.`,
      'Move it aside and run again to start a fresh database; `sqlite3 OLD.db .recover | sqlite3 NEW.db` ' +
        'can often rescue what it holds.',
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    const folder = path.dirname(path.resolve(file));
    if (!exists(file) && exists(folder) && !writable(folder)) return readOnly(file, error, code);
    return new MiniAstroError(
      'database',
      `Cannot open database ${file}: ${detail}.`,
      exists(file)
        ? `Check that this user may read and write ${file} and the folder it is in.`
        : `Check that the folder ${folder} exists and this user may create files in it.`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new MiniAstroError(
      'database',
      `The disk failed reading or writing ${file}: ${detail}.`,
      'Check the disk and the path (a network or removable drive that went away?), then run again.',
      { cause: error },
    );
  }
  return new MiniAstroError('database', `Database ${file}: ${detail}.`, `Check ${file} and run again.`, {
    cause: error,
  });
}
