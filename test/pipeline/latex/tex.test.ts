import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { parseBib } from '../../../src/pipeline/latex/bib';
import { resolveCitation } from '../../../src/pipeline/latex/resolve';
import { parseTex, type TexAbstract } from '../../../src/pipeline/latex/tex';
import { needRealdata } from '../../helpers/realdata';

function readTex(t: TestContext, name: string): string | null {
  const file = needRealdata(t, 'tex', name);
  return file ? readFileSync(file, 'utf8') : null;
}

/** The span is the raw body: its text begins and ends exactly where the file's abstract does. */
function assertBounds(source: string, abstract: TexAbstract, begins: string, ends: string): void {
  const body = source.slice(abstract.span.start, abstract.span.end);
  assert.equal(abstract.raw, body);
  assert.ok(body.startsWith(begins), `begins ${JSON.stringify(body.slice(0, 60))}`);
  assert.ok(body.endsWith(ends), `ends ${JSON.stringify(body.slice(-60))}`);
  // Nothing of the abstract lies outside the span: only whitespace separates it from its delimiters.
  assert.match(source.slice(abstract.span.start - 1, abstract.span.start), /[\s{}]/);
  assert.match(source.slice(abstract.span.end, abstract.span.end + 1), /[\s{}]/);
}

test('AASTeX 6.3 sample: the abstract environment, its bounds, title and citations', (t) => {
  const source = readTex(t, 'aastex63_sample63.tex');
  if (!source) return;
  const doc = parseTex(source);
  // Lines 46-47 mention \begin{abstract} inside %% comments: not an abstract.
  assert.equal(doc.abstracts.length, 1);
  const [abstract] = doc.abstracts;
  assert.equal(abstract!.form, 'environment');
  assert.equal(abstract!.line, 271);
  assertBounds(
    source,
    abstract!,
    'This example manuscript is intended to serve',
    'This abstract has 180 words.',
  );
  assert.match(abstract!.text, /includes a history of AASTeX and documents the new features/);
  assert.match(abstract!.text, /have a 250 word limit for the abstract\. If you exceed this length/);
  assert.doesNotMatch(abstract!.text, /RNAAS|footnote/); // the footnote is dropped
  assert.equal(doc.title, 'Template AASTeX Article with Examples: v6.3');
  assert.deepEqual(doc.bibliographies, ['sample63']);
  assert.equal(doc.citations.length, 14);
  assert.equal(new Set(doc.citations.map((c) => c.key)).size, 12);
  // The two natbib commands mentioned in %% comments (lines 306-307) are not citations.
  assert.ok(doc.citations.every((c) => c.line !== 306 && c.line !== 307));
  assert.deepEqual([...new Set(doc.citations.map((c) => c.command))].sort(), ['citep', 'citet']);
});

test('MNRAS draft: the abstract with \\note{}, and every citation key resolved through its own references .bib', (t) => {
  const source = readTex(t, 'mnras_concha2019_photoevap_draft.tex');
  const bibFile = needRealdata(t, 'bib', 'zotero_concha2019_references.bib');
  if (!source || !bibFile) return;
  const doc = parseTex(source);
  assert.equal(doc.abstracts.length, 1);
  const [abstract] = doc.abstracts;
  assert.equal(abstract!.form, 'environment');
  assert.equal(abstract!.line, 105);
  assertBounds(
    source,
    abstract!,
    'Circumstellar disks develop as a result',
    'end of the simulations. \\note{We find that...}',
  );
  assert.equal(
    doc.title,
    'External photoevaporation shapes the distributions of protoplanetary disks in young star clusters',
  );
  assert.deepEqual(doc.bibliographies, ['references']);

  assert.equal(doc.citations.length, 129);
  const keys = [...new Set(doc.citations.map((c) => c.key))];
  assert.equal(keys.length, 97);
  const commands = new Map<string, number>();
  for (const c of doc.citations) commands.set(c.command, (commands.get(c.command) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(commands), { citep: 102, citet: 24, cite: 3 });
  // Each key's span holds exactly the key, in the file.
  for (const c of doc.citations) assert.equal(source.slice(c.span.start, c.span.end), c.key);
  // `\citep[e.g.][]{guarcello2016,haworth2017}` gives one item per key, on line 117.
  const eg = doc.citations.filter((c) => c.key === 'haworth2017' && c.line === 117);
  assert.equal(eg.length, 1);
  // `\citep{wijnen2016, wijnen2017}`: the space after the comma is not part of the key.
  assert.ok(doc.citations.some((c) => c.key === 'wijnen2017'));
  // Line 185 is a commented-out paragraph with \citet{portegieszwart2016}: it does not count.
  assert.ok(doc.citations.every((c) => c.line !== 185));

  const bib = parseBib(readFileSync(bibFile, 'utf8'));
  const bibs = [{ file: bibFile, entries: bib.entries }];
  const resolved = keys.filter((k) => resolveCitation(k, bibs));
  assert.equal(
    resolved.length,
    97,
    `unresolved: ${keys.filter((k) => !resolveCitation(k, bibs)).join(', ')}`,
  );
  assert.equal(keys.filter((k) => resolveCitation(k, bibs)?.entry.abstract).length, 59);
  const williams = resolveCitation('williams2011', bibs)!.entry;
  assert.equal(williams.title, 'Protoplanetary Disks and Their Evolution');
});

test('JCAP white paper: the \\abstract{} macro before \\maketitle, a \\centering title', (t) => {
  const source = readTex(t, 'jcap_conhep_whitepaper_mainOLD.tex');
  const bibFile = needRealdata(t, 'bib', 'inspire_conhep_biblioOLD.bib');
  if (!source || !bibFile) return;
  const doc = parseTex(source);
  assert.equal(doc.abstracts.length, 1);
  const [abstract] = doc.abstracts;
  assert.equal(abstract!.form, 'macro');
  assert.equal(abstract!.line, 63);
  assertBounds(
    source,
    abstract!,
    'This white paper presents the activities',
    'and their perspectives for the future.',
  );
  assert.equal(doc.title, 'Colombian Network on High Energy Physics: Input on Theoretical HEP');
  assert.deepEqual(doc.bibliographies, ['biblio']);
  assert.equal(doc.citations.length, 236);
  const keys = [...new Set(doc.citations.map((c) => c.key))];
  assert.equal(keys.length, 194);
  // Line 251 is a commented paragraph citing Bernal:2020bfj.
  assert.ok(doc.citations.every((c) => c.line !== 251));
  // Its bibliography lives in the same repository as biblioOLD.bib: every key resolves there.
  const bibs = [{ file: bibFile, entries: parseBib(readFileSync(bibFile, 'utf8')).entries }];
  assert.equal(keys.filter((k) => resolveCitation(k, bibs)).length, 194);
});

test('A&A demo: five structured groups joined in order, comment lines skipped, the commented template not taken', (t) => {
  const source = readTex(t, 'aanda_edp_aa.dem.tex');
  if (!source) return;
  const doc = parseTex(source);
  assert.equal(doc.abstracts.length, 1);
  const [abstract] = doc.abstracts;
  assert.equal(abstract!.form, 'aanda');
  assert.equal(abstract!.line, 58);
  // Line 52 holds `% \abstract{}{}{}{}{}`; the real one starts on line 55.
  assert.ok(abstract!.span.start > source.indexOf('  \\abstract\n'));
  assertBounds(
    source,
    abstract!,
    'To investigate the physical nature',
    "is widespread under `cool'\n   conditions.",
  );
  // Four non-empty groups (context, aims, methods, results); the empty conclusions group adds nothing.
  const groups = abstract!.groups!.map((g) => source.slice(g.start, g.end));
  assert.equal(groups.length, 4);
  assert.ok(
    groups[0]!.startsWith('To investigate') && groups[0]!.endsWith("Baker's\n   standard one-zone model."),
  );
  assert.ok(groups[1]!.startsWith('It is shown that stability'));
  assert.ok(groups[2]!.startsWith('The stability equations of state are'));
  assert.ok(groups[3]!.startsWith('Vibrational instability'));
  // The `% aims heading (mandatory)` lines between groups are not in the text.
  assert.doesNotMatch(abstract!.text, /heading|mandatory/);
  assert.match(abstract!.text, /standard one-zone model\. It is shown that stability/);
  assert.equal(doc.title, 'Hydrodynamics of giant planet formation');
  // `% \bibliography{Yourfile}` is commented out.
  assert.deepEqual(doc.bibliographies, []);
  assert.equal(doc.citations.length, 21);
});

test('A&A paper (Griffiths 2013): four groups with a leading space, bounds trimmed', (t) => {
  const source = readTex(t, 'aanda_griffiths2013_solareigen.tex');
  if (!source) return;
  const doc = parseTex(source);
  assert.equal(doc.abstracts.length, 1);
  const [abstract] = doc.abstracts;
  assert.equal(abstract!.form, 'aanda');
  assert.equal(abstract!.line, 65);
  assert.equal(abstract!.groups!.length, 4);
  assertBounds(
    source,
    abstract!,
    'The solar atmosphere exhibits a diverse range',
    'between the driven waves and reflections from the transition layer.',
  );
  assert.match(abstract!.text, /model of the quiet sun To investigate the dynamics/);
  assert.equal(doc.title, 'Simulations of the Dynamics Generated by Solar Global');
  assert.equal(doc.citations.length, 55);
  // Its thebibliography lists two arXiv ids with versions.
  assert.deepEqual(
    doc.arxivIds.map((m) => [m.id, m.version, m.line]),
    [
      ['1410.2171', 1, 724],
      ['1408.4621', 1, 726],
    ],
  );
});

test('citation forms: every natbib/biblatex command, stars, optional arguments, split lines, one item per key', () => {
  const source = [
    String.raw`\cite{a} \citep{b,c} \citet*{d} \citealt{e} \citealp[see][p.~3]{f}`,
    String.raw`\citeauthor{g} \citeyear{h} \parencite{i} \textcite{j} \autocite[][12]{k}`,
    String.raw`\citep[e.g.][]{l,`,
    '   m ,  n}',
    String.raw`% \citep{commented}`,
    String.raw`\citep{x}% trailing comment`,
    String.raw`\newcommand{\mycite}[1]{\citep{#1}}`,
    String.raw`\citetext{not a key} \excite{no}`,
    String.raw`\citep`,
    '  [see]',
    '  {split}',
  ].join('\n');
  const doc = parseTex(source);
  assert.deepEqual(
    doc.citations.map((c) => [c.key, c.command, c.line]),
    [
      ['a', 'cite', 1],
      ['b', 'citep', 1],
      ['c', 'citep', 1],
      ['d', 'citet*', 1],
      ['e', 'citealt', 1],
      ['f', 'citealp', 1],
      ['g', 'citeauthor', 2],
      ['h', 'citeyear', 2],
      ['i', 'parencite', 2],
      ['j', 'textcite', 2],
      ['k', 'autocite', 2],
      ['l', 'citep', 3],
      ['m', 'citep', 4],
      ['n', 'citep', 4],
      ['x', 'citep', 6],
      ['split', 'citep', 11],
    ],
  );
  for (const c of doc.citations) assert.equal(source.slice(c.span.start, c.span.end), c.key);
});

test('abstract forms: a JCAP macro after \\maketitle is not one, a definition is not one, CRLF keeps offsets', () => {
  assert.deepEqual(parseTex(String.raw`\maketitle \abstract{Too late.}`).abstracts, []);
  assert.deepEqual(parseTex(String.raw`\renewcommand{\abstract}[1]{#1} \begin{document}`).abstracts, []);
  assert.deepEqual(parseTex(String.raw`\abstract{}{}{}{}{}`).abstracts, []); // an empty template
  const crlf = '\\title{T}\r\n\\begin{abstract}\r\n  We find $\\sim 60\\%$.\r\n\\end{abstract}\r\n';
  const doc = parseTex(crlf);
  assert.equal(doc.title, 'T');
  assert.equal(doc.abstracts[0]!.text, 'We find ~60%.');
  assert.equal(doc.abstracts[0]!.line, 3);
  assert.equal(
    crlf.slice(doc.abstracts[0]!.span.start, doc.abstracts[0]!.span.end),
    'We find $\\sim 60\\%$.',
  );
  // An environment left open ends where the document moves on.
  const open = parseTex('\\begin{abstract}\nOpen abstract.\n\\section{Intro}\nBody.');
  assert.equal(open.abstracts[0]!.text, 'Open abstract.');
  assert.deepEqual(parseTex('\\addbibresource[label=x]{refs.bib}\n\\bibliography{a, b}').bibliographies, [
    'refs.bib',
    'a',
    'b',
  ]);
});
