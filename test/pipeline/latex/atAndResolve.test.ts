import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { findArxivIds } from '../../../src/pipeline/latex/arxivIds';
import { itemAt } from '../../../src/pipeline/latex/at';
import { parseBib } from '../../../src/pipeline/latex/bib';
import { bibFilesFor, resolveCitation } from '../../../src/pipeline/latex/resolve';
import { parseTex } from '../../../src/pipeline/latex/tex';

const tex = [
  '\\title{A Title}',
  '\\begin{abstract}',
  'Disks evaporate \\citep{williams2011, fedele2010} as arXiv:2501.01234 shows.',
  '\\end{abstract}',
  'Body \\citet{bressert2010}.',
].join('\n');

test('itemAt finds the key, the id or the abstract under the cursor: the most specific first', () => {
  const doc = parseTex(tex);
  const at = (needle: string, delta = 0) => itemAt(doc, tex.indexOf(needle) + delta);
  assert.equal(at('fedele2010', 3)?.kind, 'cite');
  assert.equal((at('fedele2010') as { key: string }).key, 'fedele2010');
  assert.equal((at('williams2011', 11) as { key: string }).key, 'williams2011');
  // The comma and space between keys belong to neither key: the abstract around them is found.
  assert.equal(at(', fedele')?.kind, 'abstract');
  assert.equal((at('2501.01234', 4) as { id: string }).id, '2501.01234');
  assert.equal(at('arXiv:2501')?.kind, 'arxiv-id');
  assert.equal(at('Disks')?.kind, 'abstract');
  assert.equal(at('shows.', 5)?.kind, 'abstract');
  assert.equal(at('\\end{abstract}'), undefined);
  assert.equal((at('bressert2010') as { key: string }).key, 'bressert2010');
  assert.equal(at('Body'), undefined);
  assert.equal(itemAt(doc, -1), undefined);
  assert.equal(itemAt(doc, tex.length + 10), undefined);
  // Markdown or plain text: only ids.
  const md = 'Read https://arxiv.org/abs/2101.00001 today';
  assert.equal(
    (itemAt({ arxivIds: findArxivIds(md) }, md.indexOf('00001')) as { id: string }).id,
    '2101.00001',
  );
  assert.equal(itemAt({ arxivIds: findArxivIds(md) }, 1), undefined);
});

test('itemAt in a .bib: inside an abstract value only', () => {
  const bib = '@article{a, title = {T}, abstract = {First abstract.}}\n@article{b, abstract = "Second."}\n';
  const doc = parseBib(bib);
  const found = itemAt(doc, bib.indexOf('Second') + 2);
  assert.equal(found?.kind, 'bib-abstract');
  assert.equal((found as { key: string; abstract: string }).key, 'b');
  assert.equal((found as { abstract: string }).abstract, 'Second.');
  assert.equal((itemAt(doc, bib.indexOf('First')) as { key: string }).key, 'a');
  assert.equal(itemAt(doc, bib.indexOf('title')), undefined);
  assert.equal(itemAt(doc, bib.indexOf('{T}')), undefined);
});

test('bibFilesFor: named files beside the .tex (.bib appended), else every workspace .bib', () => {
  const folder = path.resolve('/work/paper');
  const texPath = path.join(folder, 'main.tex');
  const present = new Set([path.join(folder, 'refs.bib'), path.join(folder, 'sub', 'more.bib')]);
  const exists = (p: string) => present.has(p);
  const workspace = ['/work/a.bib', '/work/b.bib'];
  assert.deepEqual(bibFilesFor(texPath, ['refs', 'sub/more.bib', 'missing'], workspace, exists), [
    path.join(folder, 'refs.bib'),
    path.join(folder, 'sub', 'more.bib'),
  ]);
  assert.deepEqual(bibFilesFor(texPath, ['missing'], workspace, exists), workspace);
  assert.deepEqual(bibFilesFor(texPath, [], workspace, exists), workspace);
});

test('resolveCitation: the first file that has the key, exact case first, then BibTeX case-insensitive', () => {
  const one = parseBib('@article{Smith2020, title={One}}').entries;
  const two = parseBib('@article{smith2020, title={Two}} @article{Jones, title={J}}').entries;
  const bibs = [
    { file: 'one.bib', entries: one },
    { file: 'two.bib', entries: two },
  ];
  assert.equal(resolveCitation('smith2020', bibs)?.entry.title, 'Two');
  assert.equal(resolveCitation('Smith2020', bibs)?.file, 'one.bib');
  assert.equal(resolveCitation('jones', bibs)?.entry.key, 'Jones');
  assert.equal(resolveCitation('nobody', bibs), undefined);
});
