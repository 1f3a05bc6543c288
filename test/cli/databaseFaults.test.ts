/**
 * Database faults through the real CLI: each gets its own message, exit 5 (a wrong path on the command line: 2 or
 * 3), a hint saying what actually happened, and leaves the files as they were — never "internal error".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/pipeline/store/database';
import { startArxivServer } from '../helpers/arxivServer';
import { type CliRun, type RunAs, runCli } from '../helpers/cli';
import { syntheticPapers } from '../helpers/feeds';
import { tempDir } from '../helpers/tmp';

function record(id: string, abstract = 'Magnetic braking spins down stars over billions of years.'): string {
  return JSON.stringify({ id, title: `Title ${id}`, abstract, categories: ['astro-ph.SR'] });
}

function jsonl(dir: string, name: string, ids: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${ids.map((id) => record(id)).join('\n')}\n`);
  return file;
}

function assertFault(run: CliRun, code: number, message: RegExp, hint?: RegExp): void {
  assert.equal(run.code, code, run.stderr);
  assert.doesNotMatch(run.stderr, /internal error/);
  assert.match(run.stderr, message);
  if (hint) assert.match(run.stderr, hint);
}

/** A database with two papers, made through the CLI. */
async function seededDb(dir: string): Promise<string> {
  const db = path.join(dir, 'astro.db');
  const run = await runCli(['import', jsonl(dir, 'seed.jsonl', ['2501.00001', '2501.00002']), '--db', db]);
  assert.equal(run.code, 0, run.stderr);
  return db;
}

test('--db that is a folder, /dev/null, empty, or another program’s SQLite file is refused by name', async (t) => {
  const dir = tempDir(t);
  const file = jsonl(dir, 'a.jsonl', ['2501.00001']);
  assertFault(
    await runCli(['import', file, '--db', dir, '--json']),
    5,
    /is a folder, not a database file/,
    /astro\.db/,
  );
  assertFault(await runCli(['db', 'stats'], { MINIASTROLM_DB: dir }), 5, /is a folder, not a database file/);
  assertFault(await runCli(['import', file, '--db', '']), 2, /--db is empty/);
  const devNull = await runCli(['import', file, '--db', '/dev/null']);
  assertFault(devNull, 5, /\/dev\/null is a character device, not a database file/);
  assert.doesNotMatch(devNull.stderr, /damaged|Move it aside/);

  const foreign = path.join(dir, 'places.sqlite');
  const raw = new Database(foreign);
  raw.exec('CREATE TABLE moz_places (url TEXT); INSERT INTO moz_places VALUES (1)');
  raw.close();
  const before = readFileSync(foreign);
  const other = await runCli(['import', file, '--db', foreign]);
  assertFault(other, 5, /SQLite database of another program \(tables: moz_places/, /left untouched/);
  assert.doesNotMatch(other.stderr, /damaged|Move it aside/);
  assert.deepEqual(readFileSync(foreign), before);
});

test('a database locked by another process’s write: import, fetch, batch create and import-v1 say so', async (t) => {
  const dir = tempDir(t);
  const db = await seededDb(dir);
  const holder = new Database(db);
  holder.exec('BEGIN IMMEDIATE');
  holder.prepare("INSERT INTO batches VALUES ('held', '{}', 'now')").run();
  t.after(() => holder.close());
  const env = { MINIASTROLM_DB_TIMEOUT_MS: '200' };
  const locked = /astro\.db is locked: another process is writing to it.*0\.2 s/;
  const hint = /Let the other command on this database/;
  assertFault(
    await runCli(['import', jsonl(dir, 'b.jsonl', ['2501.00003']), '--db', db], env),
    5,
    locked,
    hint,
  );
  assertFault(await runCli(['batch', 'create', 'b1', '--db', db, '--json'], env), 5, locked, hint);
  const seed = path.join(dir, 'v1.jsonl');
  writeFileSync(seed, `${JSON.stringify({ id: '2501.00004', title: 'T', input: 'Stars spin down.' })}\n`);
  assertFault(await runCli(['import-v1', seed, '--db', db], env), 5, locked, hint);
  const server = await startArxivServer(syntheticPapers(3));
  t.after(() => server.close());
  const fetched = await runCli(
    [
      'fetch',
      '--query',
      'cat:astro-ph',
      '--max',
      '3',
      '--arxiv-url',
      server.apiUrl,
      '--delay-ms',
      '0',
      '--db',
      db,
    ],
    env,
  );
  assertFault(fetched, 5, locked, hint);
  holder.exec('ROLLBACK');
});

test('a damaged page is reported as damage, by every command that meets it', async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'astro.db');
  const many = Array.from({ length: 300 }, (_, i) => `2501.${String(10000 + i)}`);
  assert.equal((await runCli(['import', jsonl(dir, 'many.jsonl', many), '--db', db])).code, 0);
  const raw = new Database(db);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  raw.close();
  const fd = openSync(db, 'r+');
  const junk = Buffer.alloc(4096, 0x5a);
  writeSync(fd, junk, 0, junk.length, 4096 * 3);
  writeSync(fd, junk, 0, junk.length, 4096 * 5);
  closeSync(fd);
  const hint = /Move it aside/;
  assertFault(
    await runCli(['import', jsonl(dir, 'c.jsonl', ['2502.00001']), '--db', db]),
    5,
    /astro\.db is damaged: database disk image is malformed/,
    hint,
  );
  assertFault(await runCli(['db', 'stats', '--db', db]), 5, /is damaged/, hint);
});

/** Runs as an unprivileged user when we are root (root ignores file modes); null when that is impossible. */
async function unprivileged(t: TestContext, dir: string): Promise<RunAs | undefined | null> {
  if (process.getuid?.() !== 0) return undefined;
  const nobody = { uid: 65534, gid: 65534 };
  chmodSync(dir, 0o777);
  const probe = await runCli(['--version'], {}, { as: nobody });
  if (probe.code !== 0) {
    t.skip('root, and the CLI is not readable by an unprivileged user to test file permissions');
    return null;
  }
  return nobody;
}

test('a read-only database file, a read-only folder, and a new database in a read-only folder', async (t) => {
  const dir = tempDir(t);
  const as = await unprivileged(t, dir);
  if (as === null) return;
  const roFile = path.join(dir, 'ro-file');
  const roFolder = path.join(dir, 'ro-folder');
  for (const d of [roFile, roFolder]) {
    mkdirSync(d);
    chmodSync(d, 0o777);
    const db = await seededDb(d);
    chmodSync(db, 0o666);
  }
  const more = jsonl(dir, 'more.jsonl', ['2502.00001']);
  chmodSync(more, 0o644);

  chmodSync(path.join(roFile, 'astro.db'), 0o444);
  const file = await runCli(['import', more, '--db', path.join(roFile, 'astro.db')], {}, { as });
  assertFault(file, 5, /astro\.db is read-only: this user may not write to it/, /chmod u\+w/);
  assert.doesNotMatch(file.stderr, /damaged|Move it aside/);

  chmodSync(roFolder, 0o555);
  try {
    const folder = await runCli(['import', more, '--db', path.join(roFolder, 'astro.db')], {}, { as });
    assertFault(folder, 5, /The folder .*ro-folder is read-only/, /Make the folder writable/);
    assert.doesNotMatch(folder.stderr, /damaged|Move it aside/);
    const created = await runCli(['import', more, '--db', path.join(roFolder, 'new.db')], {}, { as });
    assertFault(created, 5, /The folder .*ro-folder is read-only/);
    assert.ok(!readdirSync(roFolder).includes('new.db'));
  } finally {
    chmodSync(roFolder, 0o777); // so the temp folder can be removed
  }
});

test('a full disk is reported as a full disk (a 256 KiB tmpfs)', async (t) => {
  const dir = tempDir(t);
  const mount = path.join(dir, 'small');
  mkdirSync(mount);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount]).status !== 0) {
    t.skip(
      'cannot mount a tmpfs here (needs root); the SQLITE_FULL mapping is tested in test/pipeline/store',
    );
    return;
  }
  try {
    const big = path.join(dir, 'big.jsonl');
    const ids = Array.from({ length: 300 }, (_, i) => `2501.${String(20000 + i)}`);
    writeFileSync(
      big,
      `${ids.map((id) => record(id, `${'A long abstract. '.repeat(120)}${id}`)).join('\n')}\n`,
    );
    const run = await runCli(['import', big, '--db', path.join(mount, 'astro.db')]);
    assertFault(run, 5, /The disk holding .*astro\.db is full/, /Free some space there/);
    assert.doesNotMatch(run.stderr, /damaged|Move it aside/);
    // The import's one transaction was rolled back: the database still opens, with no half-written rows.
    const db = openDatabase(path.join(mount, 'astro.db'), { readonly: true });
    assert.equal((db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n, 0);
    db.close();
  } finally {
    spawnSync('umount', [mount]);
  }
});

test('export --out and --eval-out that are folders: exit 3, no temp file left', async (t) => {
  const dir = tempDir(t);
  const db = await seededDb(dir);
  const folder = path.join(dir, 'exports');
  mkdirSync(folder);
  const before = readdirSync(dir).sort();
  assertFault(await runCli(['export', '--out', folder, '--db', db]), 3, /--out .*exports is a folder/);
  assertFault(
    await runCli(['export', '--out', path.join(dir, 'c.jsonl'), '--eval-out', folder, '--db', db]),
    3,
    /--eval-out .*exports is a folder/,
  );
  assert.deepEqual(readdirSync(dir).sort(), before);
  assert.deepEqual(readdirSync(folder), []);
});

test('train --out that is a file is refused before anything starts', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'runs');
  writeFileSync(file, 'notes\n');
  const rows = path.join(dir, 'train.jsonl');
  writeFileSync(
    rows,
    `${JSON.stringify({ id: '2501.00001', abstract: 'Stars spin.', target_explanation: 'They slow.', accepted: true })}\n`,
  );
  for (const out of [file, path.join(file, 'student')]) {
    const run = await runCli(['train', '--out', out, '--train', rows, '--no-eval', '--max-steps', '1']);
    assertFault(run, 3, /The output folder .*runs.* (is a file|cannot be created)/, /--out DIR/);
  }
  assert.equal(readFileSync(file, 'utf8'), 'notes\n');
});
