import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli';
import { needRealdata } from '../helpers/realdata';
import { tempDir } from '../helpers/tmp';

interface Item {
  kind: string;
  key: string | null;
  file: string;
  line: number;
  title: string | null;
  text: string | null;
  source: string | null;
  bib?: string | null;
}

test('abstracts --json on the real MNRAS draft and its references .bib: one item per citation key', async (t) => {
  const tex = needRealdata(t, 'tex', 'mnras_concha2019_photoevap_draft.tex');
  const bib = needRealdata(t, 'bib', 'zotero_concha2019_references.bib');
  if (!tex || !bib) return;
  const run = await runCli(['abstracts', tex, '--bib', bib, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const json = run.json!;
  const items = json['items'] as Item[];
  assert.deepEqual(
    [json['files'], json['abstracts'], json['citations'], json['resolved'], json['arxivIds']],
    [1, 1, 129, 129, 0],
  );
  for (const item of items) {
    assert.deepEqual(Object.keys(item).slice(0, 6), ['kind', 'key', 'file', 'line', 'title', 'text']);
    assert.equal(item.file, tex);
  }
  const [abstract] = items;
  assert.deepEqual([abstract!.kind, abstract!.key, abstract!.line], ['abstract', null, 105]);
  assert.equal(
    abstract!.title,
    'External photoevaporation shapes the distributions of protoplanetary disks in young star clusters',
  );
  assert.match(abstract!.text!, /^Circumstellar disks develop .* We find that\.\.\.$/);
  // `\citep{bressert2010,king2012}` on line 117: two items.
  const line117 = items.filter((i) => i.kind === 'cite' && i.line === 117).map((i) => i.key);
  assert.ok(line117.includes('bressert2010') && line117.includes('king2012'));
  const fedele = items.find((i) => i.key === 'fedele2010')!;
  assert.deepEqual([fedele.kind, fedele.bib, fedele.source], ['cite', bib, 'bib']);
  assert.equal(fedele.title, 'Timescale of mass accretion in pre-main-sequence stars');
  assert.ok(fedele.text!.length > 200);
  const williams = items.find((i) => i.key === 'williams2011')!;
  assert.deepEqual([williams.title, williams.text], ['Protoplanetary Disks and Their Evolution', null]);
  assert.equal(items.filter((i) => i.kind === 'cite' && i.text !== null).length, 75);

  const human = await runCli(['abstracts', tex, '--bib', bib]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /abstract, line 105 \(\d+ words\): Circumstellar disks develop/);
  assert.match(
    human.stdout,
    /cite williams2011, line 117 → zotero_concha2019_references\.bib: Protoplanetary Disks/,
  );
  assert.match(
    human.stdout,
    /1 abstracts, 129 citations \(129 resolved, 75 with an abstract\), 0 arXiv ids\./,
  );
});

test('abstracts on the real Griffiths et al. paper: citations resolved through its own thebibliography', async (t) => {
  const tex = needRealdata(t, 'tex', 'aanda_griffiths2013_solareigen.tex');
  if (!tex) return;
  const run = await runCli(['abstracts', tex, '--json', '--db', path.join(tempDir(t), 'none.db')]);
  assert.equal(run.code, 0, run.stderr);
  const json = run.json!;
  assert.deepEqual([json['citations'], json['resolved']], [55, 53]);
  const items = json['items'] as (Item & { reference?: string; arxivId?: string | null })[];
  const ulrich = items.find((i) => i.kind === 'cite' && i.key === 'Ulrich1970')!;
  assert.deepEqual(
    [ulrich.bib, ulrich.reference, ulrich.text],
    [tex, 'Ulrich, R.K., 1970, ApJ, 162, 993', null],
  );
  assert.equal(items.find((i) => i.key === 'Ireland2014' && i.kind === 'cite')?.arxivId, '1410.2171');
  const human = await runCli(['abstracts', tex, '--db', path.join(tempDir(t), 'none.db')]);
  assert.match(
    human.stdout,
    /cite Ulrich1970, line 88 → aanda_griffiths2013_solareigen\.tex \(reference list\): Ulrich, R\.K\., 1970, ApJ, 162, 993 \(no abstract\)/,
  );
  assert.match(
    human.stdout,
    /cite leibacher1982, line 616: not in any reference list or \.bib file searched/,
  );
});

test('abstracts finds the .bib a document names beside it, and .bib abstracts; arXiv ids through the database', async (t) => {
  const tex = needRealdata(t, 'tex', 'mnras_concha2019_photoevap_draft.tex');
  const bib = needRealdata(t, 'bib', 'zotero_concha2019_references.bib');
  if (!tex || !bib) return;
  // The paper as its author has it: paper.tex with \bibliography{references} beside references.bib (links to the
  // real files, read in place).
  const dir = tempDir(t);
  symlinkSync(tex, path.join(dir, 'paper.tex'));
  symlinkSync(bib, path.join(dir, 'references.bib'));
  const named = await runCli(['abstracts', path.join(dir, 'paper.tex'), '--json']);
  assert.equal(named.code, 0, named.stderr);
  assert.equal(named.json?.['resolved'], 129);

  const bibOnly = await runCli(['abstracts', bib, '--json']);
  const bibItems = bibOnly.json?.['items'] as Item[];
  assert.equal(bibItems.length, 161);
  assert.ok(bibItems.every((i) => i.kind === 'abstract' && i.key && i.text));
  assert.deepEqual(
    bibItems.find((i) => i.key === 'hunter2007')!.text!.slice(0, 36),
    'Matplotlib is a 2D graphics package ',
  );

  // A note citing a key the .bib lacks, and an arXiv id that `import refs.bib` stored.
  const db = path.join(dir, 'astro.db');
  const imported = await runCli(['import', bib, '--db', db, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(
    [imported.json?.['imported'], imported.json?.['skipped'], imported.json?.['format']],
    [155, 125, 'bib'],
  );
  const stats = await runCli(['db', 'stats', '--db', db, '--json']);
  assert.equal(stats.json?.['papers'], 155);
  const note = path.join(dir, 'notes', 'note.tex');
  mkdirSync(path.dirname(note));
  writeFileSync(note, 'See arXiv:1903.03540v1 and \\citep{baillie2019, nosuchkey}.\n');
  const run = await runCli(['abstracts', note, '--bib', bib, '--db', db, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const items = run.json?.['items'] as Item[];
  assert.deepEqual(
    items.map((i) => [i.kind, i.key, i.line, i.source]),
    [
      ['cite', 'baillie2019', 1, 'bib'],
      ['cite', 'nosuchkey', 1, null],
      ['arxiv-id', '1903.03540', 1, 'database'],
    ],
  );
  assert.equal(
    items[2]!.title,
    'Building Protoplanetary Disks from the Molecular Cloud: Redefining the Disk Timeline',
  );
  assert.equal(items[1]!.bib, null);
});

test('abstracts on an arXiv source: the .bbl beside the root, and a section resolved through its root', async (t) => {
  const dir = tempDir(t);
  const ms = path.join(dir, 'ms.tex');
  writeFileSync(
    ms,
    '\\documentclass{aastex631}\nWinds \\citep{wu22}.\n\\input{sections/disc}\n\\bibliography{refs}\n',
  );
  const disc = path.join(dir, 'sections', 'disc.tex');
  mkdirSync(path.dirname(disc));
  writeFileSync(disc, 'As \\citet{lee21} and \\citet{ghost} argued.\n');
  writeFileSync(
    path.join(dir, 'ms.bbl'),
    '\\begin{thebibliography}{2}\n\\bibitem[{{Lee}(2021)}]{lee21}\nLee K., 2021, \\mnras, 500, 12\n' +
      '\\bibitem[{{Wu}(2022)}]{wu22}\nWu X., 2022, \\apj, 930, 1, arXiv:2501.90001\n\\end{thebibliography}\n',
  );
  const run = await runCli(['abstracts', ms, disc, '--json', '--db', path.join(dir, 'none.db')]);
  assert.equal(run.code, 0, run.stderr);
  const cites = (run.json!['items'] as (Item & { reference?: string; arxivId?: string })[]).filter(
    (i) => i.kind === 'cite',
  );
  assert.deepEqual(
    cites.map((c) => [c.key, c.file, c.bib, c.arxivId ?? null]),
    [
      ['wu22', ms, path.join(dir, 'ms.bbl'), '2501.90001'],
      ['lee21', disc, path.join(dir, 'ms.bbl'), null],
      ['ghost', disc, null, null],
    ],
  );
  assert.equal(cites[1]!.reference, 'Lee K., 2021, MNRAS, 500, 12');
  assert.equal(run.json?.['resolved'], 2);
});

test('abstracts: usage and unreadable files have their exit codes', async (t) => {
  const none = await runCli(['abstracts', '--json']);
  assert.equal(none.code, 2);
  assert.equal(none.json?.['kind'], 'usage');
  const missing = await runCli(['abstracts', path.join(tempDir(t), 'missing.tex'), '--json']);
  assert.equal(missing.code, 3);
  assert.match(String(missing.json?.['error']), /Cannot read .*missing\.tex/);
});
