import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { systemClock } from '../../../src/core/clock';
import { MiniAstroError } from '../../../src/core/errors';
import { importAbstractsFile } from '../../../src/pipeline/ingest/importFile';
import { openDatabase } from '../../../src/pipeline/store/database';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { atomFeed, syntheticPapers } from '../../helpers/feeds';
import { needRealdata } from '../../helpers/realdata';
import { tempDir } from '../../helpers/tmp';

function setup(t: TestContext) {
  const dir = tempDir(t);
  const db = openDatabase(path.join(dir, 'astro.db'));
  t.after(() => db.close());
  return { dir, db, papers: new PaperStore(db), deps: { db, clock: systemClock } };
}

test("the seed project's 687 abstracts import with versions stripped from their abs-URL ids", async (t) => {
  const file = needRealdata(t, 'abstracts', 'miniastrogpt_val_data.jsonl');
  if (!file) return;
  const { papers, deps } = setup(t);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const result = await importAbstractsFile(file, deps);
  assert.equal(result.format, 'jsonl');
  assert.equal(result.skipped, 0);
  assert.equal(result.imported, lines.length);
  const first = JSON.parse(lines[0]!) as { id: string; title: string; categories: string[] };
  const id = first.id.replace(/^https?:\/\/arxiv\.org\/abs\//, '').replace(/v\d+$/, '');
  const stored = papers.get(id)!;
  assert.ok(stored, `paper ${id} stored`);
  assert.equal(stored.title, first.title.replace(/\s+/g, ' ').trim());
  assert.deepEqual(stored.categories, first.categories);
  assert.equal(
    papers.count(),
    new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id.replace(/v\d+$/, ''))).size,
  );
  // Importing again changes nothing.
  assert.equal((await importAbstractsFile(file, deps)).unchanged, lines.length);
});

test('the second schema (summary with hard line breaks, category arrays) imports too', async (t) => {
  const file = needRealdata(t, 'abstracts', 'straw674_daily_astro-ph_2025-05-27.jsonl');
  if (!file) return;
  const { papers, deps } = setup(t);
  const result = await importAbstractsFile(file, deps);
  assert.equal(result.skipped, 0);
  assert.equal(result.imported, 26);
  for (const p of papers.list(30)) {
    assert.doesNotMatch(p.abstract, /\n/);
    assert.ok(p.categories.length > 0 && p.primaryCategory === p.categories[0]);
    assert.ok(p.authors.length > 0);
  }
});

test('bad records are skipped and reported by line; the good ones are stored', async (t) => {
  const { dir, papers, deps } = setup(t);
  const file = path.join(dir, 'mixed.jsonl');
  writeFileSync(
    file,
    [
      JSON.stringify({
        id: '2501.90001v2',
        title: 'Good one',
        abstract: 'Dust grains grow.',
        categories: 'astro-ph.EP astro-ph.SR',
      }),
      '{"id": "2501.90002", "title": "broken json"',
      JSON.stringify({ id: 'not-an-id', title: 'x', abstract: 'y' }),
      JSON.stringify({ id: '2501.90003', title: 'No abstract' }),
      '',
      JSON.stringify({
        id: 'astro-ph/0601001',
        title: 'Old style',
        summary: 'Hot Jupiters.',
        authors: 'A. Gould, S. Dorsher and B. Gaudi',
      }),
    ].join('\n'),
  );
  const result = await importAbstractsFile(file, deps);
  assert.equal(result.imported, 2);
  assert.equal(result.skipped, 3);
  assert.deepEqual(
    result.problems.map((p) => p.line),
    [2, 3, 4],
  );
  assert.match(result.problems[1]!.reason, /not-an-id.*not an arXiv identifier/);
  assert.match(result.problems[2]!.reason, /missing "abstract"/);
  const good = papers.get('2501.90001')!;
  assert.deepEqual(
    [good.version, good.categories, good.primaryCategory],
    [2, ['astro-ph.EP', 'astro-ph.SR'], 'astro-ph.EP'],
  );
  assert.deepEqual(papers.get('astro-ph/0601001')!.authors, ['A. Gould', 'S. Dorsher', 'B. Gaudi']);
});

test('a file that is not JSON at all, or has no usable record, imports nothing and says why', async (t) => {
  const { dir, papers, deps } = setup(t);
  const array = path.join(dir, 'broken.json');
  writeFileSync(array, '[{"id": "2501.90001", "title": "a", "abstract": "b"},');
  await assert.rejects(
    () => importAbstractsFile(array, deps),
    (e: unknown) => e instanceof MiniAstroError && /broken\.json is not valid JSON/.test(e.message),
  );
  const junk = path.join(dir, 'junk.jsonl');
  writeFileSync(junk, 'hello\nworld\n');
  await assert.rejects(() => importAbstractsFile(junk, deps), /No usable record in .*junk\.jsonl/);
  await assert.rejects(() => importAbstractsFile(path.join(dir, 'missing.jsonl'), deps), /Cannot read/);
  assert.equal(papers.count(), 0);
});

test('a saved arXiv Atom response and a JSON array import', async (t) => {
  const { dir, papers, deps } = setup(t);
  const atom = path.join(dir, 'saved.xml');
  writeFileSync(atom, atomFeed(syntheticPapers(7), { total: 7, start: 0, itemsPerPage: 7 }));
  assert.deepEqual([(await importAbstractsFile(atom, deps)).format, papers.count()], ['atom', 7]);
  const json = path.join(dir, 'records.json');
  writeFileSync(
    json,
    JSON.stringify([{ id: '2502.90001', title: 'T', abstract: 'A', categories: ['astro-ph.CO'] }]),
  );
  assert.deepEqual([(await importAbstractsFile(json, deps)).format, papers.count()], ['json', 8]);
});
