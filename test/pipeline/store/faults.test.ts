// SQLite faults described by what happened: SQLITE_FULL made real with PRAGMA max_page_count (no root needed).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../src/pipeline/store/database';
import { databaseFault } from '../../../src/pipeline/store/faults';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { syntheticPapers } from '../../helpers/feeds';
import { tempDir } from '../../helpers/tmp';

test('a database that cannot grow (SQLITE_FULL) is a full disk, not damage; the page is rolled back', (t) => {
  const file = path.join(tempDir(t), 'astro.db');
  const db = openDatabase(file);
  t.after(() => db.close());
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages + 2}`);
  const papers = syntheticPapers(200).map((p) => ({ ...p, abstract: p.abstract.repeat(20) }));
  let thrown: unknown;
  try {
    new PaperStore(db).upsertMany(papers, 'import', 'now');
  } catch (error) {
    thrown = error;
  }
  assert.equal((thrown as { code?: string }).code, 'SQLITE_FULL');
  const fault = databaseFault(thrown, file);
  assert.equal(fault?.kind, 'database');
  assert.match(fault!.message, /The disk holding .*astro\.db is full/);
  assert.doesNotMatch(fault!.hint, /damaged|Move it aside/);
  assert.equal(new PaperStore(db).count(), 0);
});

test('errors that are not SQLite faults are left to their owners', () => {
  assert.equal(databaseFault(new TypeError('x is undefined'), 'astro.db'), null);
  assert.equal(databaseFault('a string', 'astro.db'), null);
});
