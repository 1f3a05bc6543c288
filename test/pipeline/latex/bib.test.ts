import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { type BibEntry, parseBib } from '../../../src/pipeline/latex/bib';
import { needRealdata } from '../../helpers/realdata';

function readBib(t: TestContext, name: string): string | null {
  const file = needRealdata(t, 'bib', name);
  return file ? readFileSync(file, 'utf8') : null;
}

/** Every abstract's span is the raw value inside its delimiters, right after `abstract = `. */
function assertAbstractBounds(source: string, entries: BibEntry[]): { braces: number; quotes: number } {
  let braces = 0;
  let quotes = 0;
  for (const entry of entries) {
    if (!entry.abstract) continue;
    const span = entry.abstractSpan!;
    const open = source[span.start - 1];
    const close = source[span.end];
    assert.match(source.slice(span.start - 40, span.start), /abstract\s*=\s*[{"]$/i, entry.key);
    assert.equal(open === '{' ? '}' : '"', close, `${entry.key} closes with its opener`);
    assert.equal(source.slice(span.start, span.end), entry.fields['abstract'], entry.key);
    assert.ok(span.start > entry.span.start && span.end < entry.span.end, `${entry.key}: inside its entry`);
    if (open === '{') braces++;
    else quotes++;
  }
  return { braces, quotes };
}

function count(entries: BibEntry[], has: (e: BibEntry) => unknown): number {
  return entries.filter(has).length;
}

test('Zotero (concha 2019): 280 entries, 161 brace-style abstracts with exact bounds', (t) => {
  const source = readBib(t, 'zotero_concha2019_references.bib');
  if (!source) return;
  const { entries, problems } = parseBib(source);
  assert.deepEqual(problems, []);
  assert.equal(entries.length, 280);
  assert.deepEqual(assertAbstractBounds(source, entries), { braces: 161, quotes: 0 });
  assert.equal(
    count(entries, (e) => e.arxivId),
    48,
  );
  assert.equal(
    count(entries, (e) => e.doi),
    222,
  );
  const hunter = entries.find((e) => e.key === 'hunter2007')!;
  assert.equal(hunter.line, 18);
  assert.equal(hunter.title, 'Matplotlib: A 2D graphics environment');
  assert.deepEqual(hunter.authors, ['J. D. Hunter']);
  assert.equal(hunter.year, '2007');
  assert.ok(hunter.abstract!.startsWith('Matplotlib is a 2D graphics package used for Python'));
  // `journal = {ArXiv e-prints}` with the id in `pages = {arXiv:1102.1523}`.
  const numpy = entries.find((e) => e.key === 'vanderwalt2011')!;
  assert.equal(numpy.arxivId, '1102.1523');
  assert.deepEqual(numpy.authors, ['Stefan Van Der Walt', 'S. Chris Colbert', 'Gaël Varoquaux']);
  // "Evans, II, Neal J." is "von Last, Jr, First".
  assert.ok(entries.find((e) => e.key === 'bergin2013')!.authors.includes('Neal J. Evans II'));
});

test('Zotero (straw674 prefix): 308 entries, 298 abstracts, escaped LaTeX read as math', (t) => {
  const source = readBib(t, 'zotero_straw674_library_prefix.bib');
  if (!source) return;
  const { entries, problems } = parseBib(source);
  assert.deepEqual(problems, []);
  assert.equal(entries.length, 308);
  assert.deepEqual(assertAbstractBounds(source, entries), { braces: 298, quotes: 0 });
  const first = entries[0]!;
  assert.equal(first.key, 'Abbott2016ObservationGravitationalWaves');
  assert.equal(first.title, 'Observation of Gravitational Waves from a Binary Black Hole Merger');
  assert.equal(
    first.abstractSpan && source.slice(first.abstractSpan.start, first.abstractSpan.start + 30),
    'On September 14, 2015 at 09:50',
  );
  assert.equal(first.doi, '10.1103/PhysRevLett.116.061102');
  // `\$\textbackslash sim26\$\textasciitilde mag at \$5\textbackslash sigma\$` is math, not text.
  const deep = entries.find((e) => e.abstract?.includes('full depth (~26 mag at 5σ)'));
  assert.ok(deep, 'the Zotero-escaped math reads as math');
  assert.equal(
    count(entries, (e) => e.arxivId),
    138,
  );
});

test('ADS cosmobib: 317 entries with CRLF and # header lines; arXiv ids from eprint, bibcodes and notes', (t) => {
  const source = readBib(t, 'ads_cosmobib_cosmo_preprints.bib');
  if (!source) return;
  assert.ok(source.includes('\r\n'));
  const { entries, problems } = parseBib(source);
  assert.deepEqual(problems, []);
  assert.equal(entries.length, 317);
  assert.equal(
    count(entries, (e) => e.abstract),
    0,
  );
  assert.equal(
    count(entries, (e) => e.arxivId),
    268,
  );
  const first = entries[0]!;
  assert.deepEqual(
    [first.key, first.line, first.arxivId, first.year],
    ['2014arXiv1404.5954S', 4, '1404.5954', '2014'],
  );
  assert.deepEqual(first.authors, ['L. Senatore', 'M. Zaldarriaga']);
  const deus = entries.find((e) => e.key === '2014arXiv1406.2713B')!;
  assert.equal(
    deus.title,
    'Matter Power Spectrum Covariance Matrix from the DEUS-PUR ΛCDM simulations: Mass Resolution and non-Gaussian Errors',
  );
  // No eprint field: the id is in `note = {MNRAS, in press (astro-ph/0205007)}`.
  assert.equal(entries.find((e) => e.key === '2002astro.ph..5007A')!.arxivId, 'astro-ph/0205007');
  // `eprint = {astro-ph/061127}` has six digits: not an id.
  assert.equal(entries.find((e) => e.key === 'Furlanetto:2006pg')!.arxivId, undefined);
});

test('bibmanager sample: stray lines between entries, a multi-line abstract, eprint with an arXiv: prefix', (t) => {
  const source = readBib(t, 'bibmanager_sample.bib');
  if (!source) return;
  const { entries, problems } = parseBib(source);
  assert.deepEqual(problems, []);
  assert.equal(entries.length, 16);
  assert.deepEqual(assertAbstractBounds(source, entries), { braces: 1, quotes: 0 });
  const hunter = entries.find((e) => e.abstract)!;
  assert.equal(hunter.key, 'Hunter2007ieeeMatplotlib');
  assert.equal(
    hunter.abstract,
    'Matplotlib is a 2D graphics package used for Python for application development, interactive scripting, ' +
      'and publication-quality image generation across user interfaces and operating systems.',
  );
  // `freeze` and `pdf: Slipher1913.pdf` sit between entries; the entries after them are whole.
  assert.equal(
    entries.find((e) => e.key === 'Cubillos2019zndoBibmanager')!.authors[0],
    'Patricio E. Cubillos',
  );
  assert.equal(
    entries.find((e) => e.key === 'Slipher1913lobAndromedaRarialVelocity')!.title,
    'The radial velocity of the Andromeda Nebula',
  );
  assert.equal(entries.find((e) => e.key === 'BeaulieuEtal2010arxivGJ436b')!.arxivId, '1007.0324');
  assert.equal(
    count(entries, (e) => e.arxivId),
    5,
  );
});

test('AASTeX sample .bib and INSPIRE: accents in authors, double-quoted values, old-style ids from primaryClass', (t) => {
  const aastex = readBib(t, 'aastex63_sample63.bib');
  const inspire = readBib(t, 'inspire_conhep_biblioOLD.bib');
  if (!aastex || !inspire) return;
  const a = parseBib(aastex);
  assert.deepEqual(a.problems, []);
  assert.equal(a.entries.length, 12);
  assert.equal(
    count(a.entries, (e) => e.arxivId),
    9,
  );
  const astropy2018 = a.entries.find((e) => e.key === '2018AJ....156..123A')!;
  assert.ok(astropy2018.authors.includes('B. M. Sipőcz') && astropy2018.authors.includes('H. M. Günther'));
  assert.equal(a.entries[0]!.fields['journal'], '\\aap');

  const i = parseBib(inspire);
  assert.deepEqual(i.problems, []);
  assert.equal(i.entries.length, 212);
  assert.equal(
    count(i.entries, (e) => e.abstract),
    0,
  );
  assert.equal(
    count(i.entries, (e) => e.arxivId),
    203,
  );
  const ochoa = i.entries.find((e) => e.key === 'ochoa')!;
  assert.equal(
    ochoa.title,
    'Scalar Dark Matter with CERN-LEP data and Z′ search at the LHC in an U(1)′ Model',
  );
  assert.deepEqual(ochoa.authors, ['R. Martínez', 'J. Nisperuza', 'F. Ochoa', 'J. P. Rubio']);
  // `eprint = "0309280"` with `primaryClass = "hep-ph"` is hep-ph/0309280.
  assert.equal(i.entries.find((e) => e.key === 'unalf')!.arxivId, 'hep-ph/0309280');
  // `eprint = "1405.456"` is not an id.
  assert.equal(i.entries.find((e) => e.key === 'unalfisicaunaldepar')!.arxivId, undefined);
});

test('synthetic BibTeX: quotes, nested braces, @string and #, @comment/@preamble, CRLF, every arXiv id source', () => {
  const source = [
    '@comment{ignored @article{fake, title={no}} }',
    '@preamble{"\\newcommand{\\noop}[1]{}"}',
    '@string{ apj = "Astrophys. J." }',
    '@STRING(mn = {Mon. Not. R. Astron. Soc.})',
    'junk line with an e-mail@example.org in it',
    '@article{quoted,',
    '  title = "A {"}quoted{"} {Title} with {nested {braces}}",',
    '  abstract = "We find $\\sim 60\\%$ of {M\\"uller} stars.",',
    '  journal = apj # " Letters",',
    '  month = feb, year = 2020,',
    '  eprint = {2001.01234v3}, archivePrefix = {arXiv},',
    '}',
    '@misc(paren, title = {In parentheses}, eprinttype = {arxiv}, eprint = {astro-ph/0601001})',
    '@online{url, title={From a URL}, url = {https://arxiv.org/abs/2101.00001v2}, doi = {https://doi.org/10.1000/X\\_Y}}',
    '@misc{howpub, howpublished = {\\url{arxiv.org/pdf/1901.00002.pdf}}}',
    '@misc{notearxiv, note = {arXiv:1801.00003}}',
    '@misc{hal, eprint = {hal-01234}, archivePrefix = {HAL}, doi = {10.1093/mnras/stz2345}}',
    '@article{macro, journal = mn, author = {Doe, J. and {The Collaboration} and others}}',
  ].join('\r\n');
  const { entries, problems } = parseBib(source);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    entries.map((e) => e.key),
    ['quoted', 'paren', 'url', 'howpub', 'notearxiv', 'hal', 'macro'],
  );
  const quoted = entries[0]!;
  assert.equal(quoted.type, 'article');
  assert.equal(quoted.line, 6);
  assert.equal(quoted.title, 'A "quoted" Title with nested braces');
  assert.equal(quoted.abstract, 'We find ~60% of Müller stars.');
  assert.equal(
    source.slice(quoted.abstractSpan!.start, quoted.abstractSpan!.end),
    'We find $\\sim 60\\%$ of {M\\"uller} stars.',
  );
  assert.equal(quoted.fields['journal'], 'Astrophys. J. Letters');
  assert.equal(quoted.fields['month'], 'February');
  assert.deepEqual([quoted.arxivId, quoted.arxivVersion, quoted.year], ['2001.01234', 3, '2020']);
  assert.equal(entries[1]!.arxivId, 'astro-ph/0601001');
  assert.deepEqual([entries[2]!.arxivId, entries[2]!.doi], ['2101.00001', '10.1000/X_Y']);
  assert.equal(entries[3]!.arxivId, '1901.00002');
  assert.equal(entries[4]!.arxivId, '1801.00003');
  // A HAL eprint is not arXiv, and an MNRAS DOI's digits are not an id.
  assert.deepEqual([entries[5]!.arxivId, entries[5]!.doi], [undefined, '10.1093/mnras/stz2345']);
  assert.equal(entries[6]!.fields['journal'], 'Mon. Not. R. Astron. Soc.');
  assert.deepEqual(entries[6]!.authors, ['J. Doe', 'The Collaboration']);
});

test('broken BibTeX: an unclosed brace ends at the next entry line, problems carry lines, the rest is kept', () => {
  const source = [
    '@article{open,',
    '  title = {Never {closed},',
    '  abstract = {Lost.}',
    '',
    '@article{after, title = {Still here}, abstract = {Found.}}',
    '@article{, title = {No key}}',
    '@article{badfield, title = {Fine}, = {no name}, year = 2001}',
    '@article{undefined, journal = nosuchmacro}',
    '@article{unclosed, title = {Unclosed entry}',
  ].join('\n');
  const { entries, problems } = parseBib(source);
  assert.deepEqual(
    entries.map((e) => [e.key, e.title, e.abstract]),
    [
      ['open', undefined, undefined],
      ['after', 'Still here', 'Found.'],
      ['badfield', 'Fine', undefined],
      ['undefined', undefined, undefined],
      ['unclosed', 'Unclosed entry', undefined],
    ],
  );
  assert.equal(entries.find((e) => e.key === 'badfield')!.year, '2001');
  assert.deepEqual(
    problems.map((p) => p.line),
    [2, 1, 6, 7, 8, 9],
  );
  assert.match(problems[0]!.reason, /field "title" has an unclosed value/);
  assert.match(problems[2]!.reason, /without a key/);
  assert.match(problems[4]!.reason, /undefined @string macro "nosuchmacro"/);
  assert.match(problems[5]!.reason, /unclosed is not closed/);
});
