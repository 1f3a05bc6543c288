import assert from 'node:assert/strict';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { systemClock } from '../../../src/core/clock';
import { MiniAstroError } from '../../../src/core/errors';
import { bibEntryToPaper, importBibFile, importBibText } from '../../../src/pipeline/ingest/importBib';
import { importAbstractsText } from '../../../src/pipeline/ingest/importFile';
import { parseBib } from '../../../src/pipeline/latex/bib';
import { openDatabase } from '../../../src/pipeline/store/database';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { needRealdata } from '../../helpers/realdata';
import { tempDir } from '../../helpers/tmp';

function setup(t: TestContext) {
  const db = openDatabase(path.join(tempDir(t), 'astro.db'));
  t.after(() => db.close());
  return { db, papers: new PaperStore(db), deps: { db, clock: systemClock } };
}

test('the concha 2019 Zotero .bib: 161 abstracts, 6 of them second copies, stored as 155 papers', (t) => {
  const file = needRealdata(t, 'bib', 'zotero_concha2019_references.bib');
  if (!file) return;
  const { papers, deps } = setup(t);
  const events: string[] = [];
  const result = importBibFile(file, { ...deps, onEvent: (e) => events.push(e.type) });
  assert.equal(result.format, 'bib');
  assert.deepEqual([result.imported, result.inserted, result.skipped], [155, 155, 119 + 6]);
  assert.equal(papers.count(), 155);
  assert.equal(events.filter((e) => e === 'skipped').length, 125);
  assert.deepEqual(result.problems[0], { line: 2, reason: 'vanderwalt2011: no abstract' });

  // Keyed by the arXiv id when there is one (eprint 1903.03540, with a DOI too).
  const baillie = papers.get('1903.03540')!;
  assert.equal(
    baillie.title,
    'Building Protoplanetary Disks from the Molecular Cloud: Redefining the Disk Timeline',
  );
  assert.deepEqual(baillie.authors, ['Kevin Baillié', 'Joao Marques', 'Laurent Piau']);
  assert.equal(baillie.published, '2019-03');
  assert.equal(baillie.doi, '10.1051/0004-6361/201730677');
  assert.equal(baillie.journalRef, 'Astronomy & Astrophysics');
  assert.ok(baillie.abstract.startsWith('We study the formation of the protoplanetary disk by the collapse'));
  assert.equal(baillie.source, 'import');
  // Else by DOI, else by key.
  const byDoi = papers.get('doi:10.1093/mnras/stz086');
  assert.ok(byDoi, 'a paper keyed by its DOI');
  const hunter = papers.get('bib:hunter2007')!;
  assert.equal(hunter.title, 'Matplotlib: A 2D graphics environment');
  assert.equal(hunter.journalRef, 'Computing In Science & Engineering 9, 90–95');

  // Importing again changes nothing: the duplicates do not take turns.
  const again = importBibFile(file, deps);
  assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 155]);
});

test('an arXiv copy always wins over a .bib copy of the same paper, whichever came first', async (t) => {
  const { papers, deps } = setup(t);
  const bib =
    '@article{k, title={Bib title}, abstract={The bib abstract.}, eprint={2501.01234v2}, year=2025}';
  const arxiv = JSON.stringify({
    id: '2501.01234v1',
    title: 'arXiv title',
    abstract: 'The arXiv abstract, $\\sim 5$ per cent.',
    categories: ['astro-ph.GA'],
    published: '2025-01-02T00:00:00Z',
    updated: '2025-01-02T00:00:00Z',
  });
  importBibText(bib, 'refs.bib', deps);
  assert.equal(papers.get('2501.01234')!.title, 'Bib title');
  await importAbstractsText(`${arxiv}\n`, 'arxiv.jsonl', deps);
  assert.equal(papers.get('2501.01234')!.title, 'arXiv title');
  const again = importBibText(bib, 'refs.bib', deps);
  assert.deepEqual([again.updated, again.unchanged], [0, 1]);
  assert.equal(papers.get('2501.01234')!.abstract, 'The arXiv abstract, $\\sim 5$ per cent.');
});

test('bibEntryToPaper: dates at the precision given, categories from primaryClass, reasons for what is skipped', () => {
  const { entries } = parseBib(
    [
      '@article{a, title={T}, abstract={A.}, year={2011}, month=feb, primaryClass={astro-ph.GA}, doi={10.1000/ABC}}',
      '@online{b, title={T}, abstract={A.}, date={2019-04-12}}',
      '@misc{c, title={T}, abstract={A.}, year={2001}, month={11}}',
      '@misc{d, title={T}}',
      '@misc{e, abstract={A.}}',
    ].join('\n'),
  );
  const [a, b, c, d, e] = entries.map(bibEntryToPaper);
  assert.ok(typeof a === 'object' && typeof b === 'object' && typeof c === 'object');
  assert.deepEqual(
    [a.id, a.published, a.categories, a.primaryCategory, a.version],
    ['doi:10.1000/abc', '2011-02', ['astro-ph.GA'], 'astro-ph.GA', null],
  );
  assert.deepEqual([b.id, b.published], ['bib:b', '2019-04-12']);
  assert.equal(c.published, '2001-11');
  assert.equal(d, 'd: no abstract');
  assert.equal(e, 'e: no title');
});

test('a .bib with nothing to import is refused whole, with the reason', (t) => {
  const { papers, deps } = setup(t);
  assert.throws(
    () => importBibText('@article{x, title={No abstract}}', 'refs.bib', deps),
    (error: unknown) =>
      error instanceof MiniAstroError && error.kind === 'badInput' && /has an abstract/.test(error.message),
  );
  assert.throws(
    () => importBibText('\u0000\u0001binary', 'refs.bib', deps),
    (error: unknown) => error instanceof MiniAstroError && /No BibTeX entries.*binary/.test(error.message),
  );
  assert.equal(papers.count(), 0);
});
