import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../src/pipeline/store/database';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { syntheticPapers } from '../../helpers/feeds';
import { tempDir } from '../../helpers/tmp';

function store(t: import('node:test').TestContext): PaperStore {
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  return new PaperStore(db);
}

test('upserts count new, updated and unchanged papers, and never duplicate', (t) => {
  const papers = store(t);
  const batch = syntheticPapers(5);
  assert.deepEqual(papers.upsertMany(batch, 'arxiv-api', '2026-01-01T00:00:00Z'), {
    inserted: 5,
    updated: 0,
    unchanged: 0,
  });
  assert.deepEqual(papers.upsertMany(batch, 'arxiv-api', '2026-01-02T00:00:00Z'), {
    inserted: 0,
    updated: 0,
    unchanged: 5,
  });
  assert.equal(papers.count(), 5);
  const stored = papers.get(batch[0]!.id)!;
  assert.deepEqual(stored.categories, batch[0]!.categories);
  assert.equal(stored.fetchedAt, '2026-01-01T00:00:00Z');
});

test('the latest version wins, whichever order the copies arrive in', (t) => {
  const papers = store(t);
  const [base] = syntheticPapers(1);
  const v1 = { ...base!, version: 1, title: 'Old title', updated: '2025-01-01T00:00:00Z' };
  const v3 = {
    ...base!,
    version: 3,
    title: 'New title',
    updated: '2025-06-01T00:00:00Z',
    categories: ['astro-ph.CO'],
    primaryCategory: 'astro-ph.CO',
  };
  papers.upsertMany([v3], 'arxiv-api', 'now');
  assert.deepEqual(papers.upsertMany([v1], 'arxiv-api', 'now'), { inserted: 0, updated: 0, unchanged: 1 });
  assert.equal(papers.get(base!.id)!.title, 'New title');

  // Without version numbers (OAI-PMH), the later `updated` date wins.
  const oaiNewer = { ...v3, version: null, title: 'Retitled after review', updated: '2025-09-01' };
  assert.deepEqual(papers.upsertMany([oaiNewer], 'oai-pmh', 'now'), {
    inserted: 0,
    updated: 1,
    unchanged: 0,
  });
  const stored = papers.get(base!.id)!;
  assert.equal(stored.title, 'Retitled after review');
  assert.equal(stored.source, 'oai-pmh');
  const categories = papers.db
    .prepare('SELECT category FROM paper_categories WHERE paper_id = ?')
    .all(base!.id);
  assert.deepEqual(categories, [{ category: 'astro-ph.CO' }]);
});

test('a page written in a transaction that fails leaves nothing behind', (t) => {
  const papers = store(t);
  const batch = syntheticPapers(4);
  const broken = { ...batch[2]!, title: null as unknown as string };
  assert.throws(() =>
    papers.db.transaction(() => papers.upsertMany([batch[0]!, batch[1]!, broken], 'arxiv-api', 'now'))(),
  );
  assert.equal(papers.count(), 0);
});
