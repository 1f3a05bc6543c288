import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { BatchStore } from '../../../src/pipeline/store/batches';
import { openDatabase } from '../../../src/pipeline/store/database';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { SupervisionStore } from '../../../src/pipeline/store/supervision';
import { syntheticPapers } from '../../helpers/feeds';
import { tempDir } from '../../helpers/tmp';

function setup(t: import('node:test').TestContext) {
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  new PaperStore(db).upsertMany(syntheticPapers(40), 'arxiv-api', 'now');
  return new BatchStore(db);
}

test('batches select by category (archive matches subcategories), date range and size, newest first', (t) => {
  const batches = setup(t);
  const he = batches.create('he', { categories: ['astro-ph.HE'] }, '2026-01-01');
  assert.equal(he.papers, 20);
  assert.equal(batches.create('all-astro', { categories: ['astro-ph'] }, '2026-01-01').papers, 40);
  const dated = batches.create('early', { from: '2025-01-01', until: '2025-01-03' }, '2026-01-01');
  // Days 01..03 of a 28-day cycle over 40 papers: 2 + 2 + 1 (i = 0,28 / 1,29 / 2,30) → 6.
  assert.equal(dated.papers, 6);
  const small = batches.create('small', { size: 5 }, '2026-01-01');
  assert.equal(small.papers, 5);
  const ids = batches.paperIds('small');
  assert.equal(ids.length, 5);
  assert.deepEqual(
    batches.list().map((b) => [b.name, b.papers]),
    [
      ['all-astro', 40],
      ['early', 6],
      ['he', 20],
      ['small', 5],
    ],
  );
});

test('--unbatched leaves out papers already in a batch; names are unique', (t) => {
  const batches = setup(t);
  batches.create('first', { size: 15 }, '2026-01-01');
  const rest = batches.create('second', { excludeBatched: true }, '2026-01-02');
  assert.equal(rest.papers, 25);
  const overlap = batches.paperIds('first').filter((id) => batches.paperIds('second').includes(id));
  assert.deepEqual(overlap, []);
  assert.throws(
    () => batches.create('first', {}, 'now'),
    (e: unknown) => e instanceof MiniAstroError && /already exists/.test(e.message),
  );
  assert.throws(() => batches.create('bad name!', {}, 'now'), /not allowed/);
  assert.throws(() => batches.create('x', { from: '01/02/2025' }, 'now'), /must be a date like/);
  assert.equal(batches.delete('first'), true);
  assert.throws(() => batches.paperIds('first'), /No batch named/);
});

test('--unsupervised leaves out papers with a supervision state or a human decision', (t) => {
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  new PaperStore(db).upsertMany(syntheticPapers(40), 'arxiv-api', 'now');
  const batches = new BatchStore(db);
  const ids = syntheticPapers(40).map((p) => p.id);
  const store = new SupervisionStore(db);
  store.setState({
    paperId: ids[0]!,
    status: 'accepted',
    explanation: 'x',
    attempts: 1,
    reason: null,
    teacherCallId: null,
    judgeCallId: null,
    judgeFeedback: null,
    updatedAt: 'now',
  });
  store.setState({
    paperId: ids[1]!,
    status: 'rejected',
    explanation: null,
    attempts: 3,
    reason: 'r',
    teacherCallId: null,
    judgeCallId: null,
    judgeFeedback: null,
    updatedAt: 'now',
  });
  store.decide({ paperId: ids[2]!, decision: 'reject', explanation: null, note: null, decidedAt: 'now' });
  const fresh = batches.create('fresh', { excludeSupervised: true }, 'now');
  assert.equal(fresh.papers, 37);
  assert.ok(!batches.paperIds('fresh').some((id) => ids.slice(0, 3).includes(id)));
});
