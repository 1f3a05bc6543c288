// Scanning a document through the engine: a .tex abstract as plain text, citations resolved through the .bib the
// document names (else the workspace's), a bib entry without abstract through the database by its arXiv id,
// arXiv ids in text; a key in no .bib says so.
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Requests } from '../../src/engine/protocol';
import { openDatabase } from '../../src/pipeline/store/database';
import { PaperStore } from '../../src/pipeline/store/papers';
import { startTestEngine } from '../helpers/engine';
import { fixturePaper } from '../helpers/supervision';
import { tempDir } from '../helpers/tmp';

const TEX = String.raw`\documentclass{aastex631}
\title{Rings \& gaps}
\begin{document}
\begin{abstract}
We find rings at $\sim 60\%$ of the radius~\citep{smith2020}.\footnote{A note.}
\end{abstract}
As shown by \citet[see][]{smith2020, nobody99} and arXiv:2501.90001v2.
\bibliography{refs}
\end{document}
`;

const BIB = `@article{smith2020,
  title = {Dust {R}ings in {HD} 163296},
  author = {Smith, Anna and Jones, Bo},
  year = {2020},
  abstract = {Rings of dust trace pressure maxima in the disc.},
}
@misc{noabs2021,
  title = {No abstract here},
  eprint = {2501.90001},
  archivePrefix = {arXiv},
}
`;

/** A workspace database in `dir` holding the fixture paper `id`, as fetched from arXiv. */
function databaseHolding(dir: string, id: string): string {
  const databasePath = path.join(dir, 'astro.db');
  const db = openDatabase(databasePath);
  new PaperStore(db).upsertMany([fixturePaper(id)], 'arxiv-api', 'now');
  db.close();
  return databasePath;
}

test('a .tex document: abstract, citations through its own .bib, arXiv ids through the database', async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'paper'));
  const texFile = path.join(dir, 'paper', 'main.tex');
  writeFileSync(texFile, TEX);
  writeFileSync(path.join(dir, 'paper', 'refs.bib'), BIB);
  const databasePath = databaseHolding(dir, '2501.90001');

  const { client } = startTestEngine(t);
  const scan = await client.request(Requests.scanDocument, {
    file: texFile,
    flavor: 'tex',
    text: TEX,
    workspaceBibs: [],
    databasePath,
  });
  assert.deepEqual(scan.bibFiles, [path.join(dir, 'paper', 'refs.bib')]);
  const [abstract] = scan.items.filter((i) => i.kind === 'abstract');
  assert.ok(abstract);
  assert.equal(abstract.abstract, 'We find rings at ~60% of the radius.');
  assert.equal(abstract.title, 'Rings & gaps');
  assert.equal(abstract.origin, 'document');
  assert.ok(TEX.slice(abstract.start, abstract.end).includes('We find rings'));

  const cites = scan.items.filter((i) => i.kind === 'cite');
  assert.deepEqual(
    cites.map((c) => c.key),
    ['smith2020', 'smith2020', 'nobody99'],
  );
  assert.equal(cites[0]!.abstract, 'Rings of dust trace pressure maxima in the disc.');
  assert.equal(cites[0]!.title, 'Dust Rings in HD 163296');
  assert.deepEqual(cites[0]!.authors.length, 2);
  assert.equal(cites[0]!.origin, 'bib');
  assert.equal(TEX.slice(cites[0]!.start, cites[0]!.end), 'smith2020');
  assert.equal(cites[2]!.abstract, null);
  assert.match(cites[2]!.problem ?? '', /no entry "nobody99" in refs\.bib/);

  const [id] = scan.items.filter((i) => i.kind === 'arxiv-id');
  assert.equal(id?.arxivId, '2501.90001');
  assert.equal(id?.origin, 'database');
  assert.match(id?.abstract ?? '', /dust/i);
});

test("a document's own thebibliography: its items first, the abstract through the arXiv id an item names", async (t) => {
  const dir = tempDir(t);
  const texFile = path.join(dir, 'letter.tex');
  const tex = String.raw`\begin{document}
Rings \citep{wu22, lee21} and gaps \citet{smith2020}; see also \cite{ghost}.
\begin{thebibliography}{9}
\bibitem[{Wu}(2022)]{wu22} Wu X., 2022, \apj, 930, 1, arXiv:2501.90001
\bibitem[{Lee}(2021)]{lee21} Lee K., 2021, \mnras, 500, 12
\end{thebibliography}
\end{document}
`;
  writeFileSync(texFile, tex);
  const bibFile = path.join(dir, 'refs.bib');
  writeFileSync(bibFile, BIB);
  const databasePath = databaseHolding(dir, '2501.90001');

  const { client } = startTestEngine(t);
  const scan = await client.request(Requests.scanDocument, {
    file: texFile,
    flavor: 'tex',
    text: tex,
    workspaceBibs: [bibFile],
    databasePath,
  });
  const all = scan.items.filter((i) => i.kind === 'cite');
  const cites = new Map(all.filter((c) => tex.slice(c.start, c.end) === c.key).map((c) => [c.key, c]));
  // The list's own items hover too, over their reference text, resolved the same way.
  const entries = all.filter((c) => tex.slice(c.start, c.end) !== c.key);
  assert.deepEqual(
    entries.map((e) => [e.key, tex.slice(e.start, e.end), e.arxivId]),
    [
      ['wu22', String.raw`Wu X., 2022, \apj, 930, 1, arXiv:2501.90001`, '2501.90001'],
      ['lee21', String.raw`Lee K., 2021, \mnras, 500, 12`, null],
    ],
  );
  assert.match(entries[0]!.abstract ?? '', /dust/i);
  const wu = cites.get('wu22')!;
  assert.equal(wu.reference, 'Wu X., 2022, ApJ, 930, 1, arXiv:2501.90001');
  assert.equal(wu.arxivId, '2501.90001');
  assert.equal(wu.paperId, '2501.90001');
  assert.equal(wu.year, '2022');
  assert.equal(wu.origin, 'database');
  assert.match(wu.abstract ?? '', /dust/i);
  assert.equal(wu.title, fixturePaper('2501.90001').title);
  assert.equal(tex.slice(wu.start, wu.end), 'wu22');
  // An item with no id has no abstract to find, and the hover says why and what to do.
  const lee = cites.get('lee21')!;
  assert.equal(lee.abstract, null);
  assert.equal(lee.reference, 'Lee K., 2021, MNRAS, 500, 12');
  assert.match(lee.problem ?? '', /reference list \(line 5\) gives no arXiv id for lee21.*add its arXiv id/);
  // A key the list does not hold still resolves through the workspace's .bib.
  assert.equal(cites.get('smith2020')!.origin, 'bib');
  assert.equal(cites.get('smith2020')!.reference, null);
  assert.match(
    cites.get('ghost')!.problem ?? '',
    /no entry "ghost" in this file's thebibliography or refs\.bib/,
  );
});

test("a part of a paper (no \\documentclass) cites through its root's thebibliography and bibliography", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'sections'));
  const main = path.join(dir, 'main.tex');
  writeFileSync(
    main,
    String.raw`\documentclass{aastex631}
\begin{document}
\input{sections/results}
\begin{thebibliography}{}
\bibitem[{Wu}(2022)]{wu22} Wu X., 2022, \apj, 930, 1, arXiv:2501.90001
\end{thebibliography}
\end{document}
`,
  );
  const part = path.join(dir, 'sections', 'results.tex');
  const partText = 'Rings \\citep{wu22, ghost}.\n';
  writeFileSync(part, partText);
  const thesis = path.join(dir, 'thesis.tex');
  writeFileSync(thesis, '\\documentclass{book}\n\\include{chapter}\n\\bibliography{refs}\n');
  const chapter = path.join(dir, 'chapter.tex');
  writeFileSync(chapter, 'As \\citet{smith2020} showed.');
  writeFileSync(path.join(dir, 'refs.bib'), BIB);
  writeFileSync(path.join(dir, 'other.bib'), '@article{other, title={Other}}\n');
  const databasePath = databaseHolding(dir, '2501.90001');

  const { client } = startTestEngine(t);
  const workspaceTex = [main, part, thesis, chapter];
  const scan = (file: string, text: string, tex: string[] | undefined) =>
    client.request(Requests.scanDocument, {
      file,
      flavor: 'tex',
      text,
      workspaceBibs: [path.join(dir, 'other.bib')],
      ...(tex ? { workspaceTex: tex } : {}),
      databasePath,
    });
  const [wu, ghost] = (await scan(part, partText, workspaceTex)).items.filter((i) => i.kind === 'cite');
  assert.equal(wu!.reference, 'Wu X., 2022, ApJ, 930, 1, arXiv:2501.90001');
  assert.match(wu!.abstract ?? '', /dust/i);
  assert.match(ghost!.problem ?? '', /no entry "ghost" in main\.tex's thebibliography or other\.bib/);
  // The root's \bibliography{refs} is the one searched (named beside the root), not the workspace's other .bib.
  const chapterScan = await scan(chapter, 'As \\citet{smith2020} showed.', workspaceTex);
  assert.deepEqual(chapterScan.bibFiles, [path.join(dir, 'refs.bib')]);
  assert.equal(chapterScan.items[0]!.origin, 'bib');
  // Without the workspace's .tex files the part stands alone, as before.
  const alone = (await scan(part, partText, undefined)).items.filter((i) => i.kind === 'cite');
  assert.equal(alone[0]!.reference, null);
  assert.match(alone[0]!.problem ?? '', /no entry "wu22" in other\.bib/);
  // The engine keeps what it read of each file until the file changes: a thesis that starts including the part
  // (written later, so its modification time moves) is its root from the next scan on.
  const orphan = path.join(dir, 'orphan.tex');
  writeFileSync(orphan, 'Also \\citet{smith2020}.');
  const before = await scan(orphan, 'Also \\citet{smith2020}.', workspaceTex);
  assert.deepEqual(before.bibFiles, [path.join(dir, 'other.bib')]);
  writeFileSync(thesis, '\\documentclass{book}\n\\include{chapter}\n\\input{orphan}\n\\bibliography{refs}\n');
  utimesSync(thesis, new Date(), new Date(Date.now() + 5000));
  const after = await scan(orphan, 'Also \\citet{smith2020}.', workspaceTex);
  assert.deepEqual(after.bibFiles, [path.join(dir, 'refs.bib')]);
});

test('an arXiv source: \\bibliography{refs} without refs.bib resolves through the .bbl beside the root', async (t) => {
  const dir = tempDir(t);
  const ms = path.join(dir, 'ms.tex');
  const msText =
    '\\documentclass{aastex631}\nWinds \\citep{wu22, lee21, ghost}.\n\\input{disc}\n\\bibliography{refs}\n';
  writeFileSync(ms, msText);
  const disc = path.join(dir, 'disc.tex');
  writeFileSync(disc, 'As \\citet{wu22} argued.');
  writeFileSync(
    path.join(dir, 'ms.bbl'),
    String.raw`\begin{thebibliography}{2}
\expandafter\ifx\csname natexlab\endcsname\relax\def\natexlab#1{#1}\fi

\bibitem[{{Lee}(2021)}]{lee21}
Lee K., 2021, \mnras, 500, 12

\bibitem[{{Wu} \& {Li}(2022)}]{wu22}
Wu X., Li Y., 2022, \apj, 930, 1, \eprint{2501.90001}

\end{thebibliography}
`,
  );
  const databasePath = databaseHolding(dir, '2501.90001');
  const { client } = startTestEngine(t);
  const scan = (file: string, text: string) =>
    client.request(Requests.scanDocument, {
      file,
      flavor: 'tex',
      text,
      workspaceBibs: [],
      workspaceTex: [ms, disc],
      databasePath,
    });
  const [wu, lee, ghost] = (await scan(ms, msText)).items.filter((i) => i.kind === 'cite');
  assert.equal(wu!.reference, 'Wu X., Li Y., 2022, ApJ, 930, 1, 2501.90001');
  assert.match(wu!.abstract ?? '', /dust/i);
  assert.match(lee!.problem ?? '', /reference list \(ms\.bbl, line 4\) gives no arXiv id for lee21/);
  assert.equal(ghost!.problem, 'no entry "ghost" in ms.bbl');
  // A part of the paper finds the root's .bbl too.
  const [inPart] = (await scan(disc, 'As \\citet{wu22} argued.')).items;
  assert.equal(inPart!.arxivId, '2501.90001');
});

test('a .bib document: abstract fields, and an entry without one resolved by its arXiv id', async (t) => {
  const dir = tempDir(t);
  const bibFile = path.join(dir, 'refs.bib');
  writeFileSync(bibFile, BIB);
  const { client } = startTestEngine(t);
  const scan = await client.request(Requests.scanDocument, {
    file: bibFile,
    flavor: 'bib',
    text: BIB,
    workspaceBibs: [],
    databasePath: path.join(dir, 'no-such.db'),
  });
  const [field] = scan.items.filter((i) => i.kind === 'bib-abstract');
  assert.equal(field?.key, 'smith2020');
  assert.equal(BIB.slice(field!.start, field!.end), 'Rings of dust trace pressure maxima in the disc.');
  const ids = scan.items.filter((i) => i.kind === 'arxiv-id');
  assert.equal(ids[0]?.arxivId, '2501.90001');
  assert.match(ids[0]?.problem ?? '', /not in the workspace database/);
});

test('bad input: a binary .tex, unbalanced braces, no abstract, a 5 MB .bib — answers, never a crashed engine', async (t) => {
  const dir = tempDir(t);
  const { client } = startTestEngine(t);
  const scan = (file: string, flavor: 'tex' | 'bib', text: string) =>
    client.request(Requests.scanDocument, {
      file,
      flavor,
      text,
      workspaceBibs: [],
      databasePath: path.join(dir, 'none.db'),
    });
  const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1');
  const binaryScan = await scan(path.join(dir, 'image.tex'), 'tex', binary);
  assert.ok(Array.isArray(binaryScan.items));
  const unbalanced = await scan(
    path.join(dir, 'a.tex'),
    'tex',
    '\\begin{abstract}\nRings {of {dust\n\\end{abstract}\\cite{k',
  );
  assert.ok(unbalanced.items.some((i) => i.kind === 'abstract'));
  const none = await scan(path.join(dir, 'b.tex'), 'tex', '\\section{Intro}\nNo abstract here.\n');
  assert.deepEqual(none.items, []);
  const entry = (i: number) =>
    `@article{k${i}, title={Paper ${i}}, abstract={${'Dust rings and gaps. '.repeat(40)}}}\n`;
  let big = '';
  for (let i = 0; big.length < 5_000_000; i++) big += entry(i);
  const bigFile = path.join(dir, 'big.bib');
  writeFileSync(bigFile, big);
  const bibScan = await scan(bigFile, 'bib', big);
  assert.ok(bibScan.items.length > 5000, `${bibScan.items.length} abstracts`);
  const info = await client.request(Requests.hello, null);
  assert.ok(info.pid > 0, 'the engine still answers');
});
