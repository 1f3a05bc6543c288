// A document's own reference list: every \bibitem of every thebibliography, its key, its text as plain text, and
// the arXiv id, DOI and year that text names; natbib's bracketed labels, .bbl preambles, comments, duplicates and
// broken items. On two real A&A papers and on the forms .bbl files take.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { listedReference, parseTex } from '../../../src/pipeline/latex';
import { needRealdata } from '../../helpers/realdata';

function realTex(t: TestContext, name: string): string | null {
  const file = needRealdata(t, 'tex', name);
  return file ? readFileSync(file, 'utf8') : null;
}

test('the real Griffiths et al. (A&A) paper: its hand-written list resolves the citations it holds', (t) => {
  const source = realTex(t, 'aanda_griffiths2013_solareigen.tex');
  if (source === null) return;
  const doc = parseTex(source);
  const ulrich = listedReference('Ulrich1970', doc.bibItems);
  assert.ok(ulrich);
  assert.equal(ulrich.text, 'Ulrich, R.K., 1970, ApJ, 162, 993');
  assert.equal(ulrich.year, '1970');
  assert.equal(ulrich.arxivId, undefined);
  assert.equal(source.slice(ulrich.span.start, ulrich.span.end), 'Ulrich, R.K., 1970, ApJ, 162, 993');
  assert.equal(ulrich.line, 640);
  // An item that names its arXiv id (with a version) carries the id without it.
  const ireland = listedReference('Ireland2014', doc.bibItems);
  assert.equal(ireland?.arxivId, '1410.2171');
  assert.equal(ireland?.year, '2014');
  // Accents and escaped ampersands come out as text.
  assert.match(listedReference('Shelyag2008', doc.bibItems)?.text ?? '', /Erdélyi, R\. A&A, 2008/);
  // The key is what the braces hold, even a malformed one (LaTeX takes it as written).
  assert.ok(listedReference('Caunt2001)', doc.bibItems));
  // 53 of its 55 citations are in its list. The other two are the source's own slips, which LaTeX would flag
  // too: \bibitem{Caunt2001)} is cited as Caunt2001, and \bibitem{Leibacher1982} as leibacher1982.
  assert.equal(doc.bibItems.length, 50);
  assert.equal(doc.citations.length, 55);
  assert.deepEqual(
    doc.citations.filter((c) => !listedReference(c.key, doc.bibItems)).map((c) => c.key),
    ['Caunt2001', 'leibacher1982'],
  );
  // Keys are exact: LaTeX's \bibitem names are case-sensitive.
  assert.equal(listedReference('ulrich1970', doc.bibItems), undefined);
});

test("the A&A demo: two lists with the same keys, the first wins; the list's {widest label} is not an item", (t) => {
  const source = realTex(t, 'aanda_edp_aa.dem.tex');
  if (source === null) return;
  const doc = parseTex(source);
  const bakers = doc.bibItems.filter((i) => i.key === 'baker');
  assert.equal(bakers.length, 2);
  assert.equal(listedReference('baker', doc.bibItems), bakers[0]);
  assert.ok(bakers[0]!.line < bakers[1]!.line);
  assert.match(
    bakers[0]!.text,
    /^Baker, N\. 1966, in Stellar Evolution, ed\. R\. F\. Stein,& A\. G\. W\. Cameron/,
  );
  assert.ok(doc.bibItems.every((i) => i.key !== '' && !/\s/.test(i.key)));
});

test('.bbl forms: natbib labels with brackets in braces, journal macros, DOIs, a preamble, comments, broken items', () => {
  const source = [
    String.raw`\begin{thebibliography}{99}`,
    String.raw`\expandafter\ifx\csname natexlab\endcsname\relax\def\natexlab#1{#1}\fi`,
    String.raw`\bibitem[{Andrews} {et~al.}(2016)]{Andrews2016}`,
    String.raw`Andrews S.~M., et~al., 2016, \apjl, 820, L40`,
    String.raw`\bibitem[\protect\citeauthoryear{Smith}{Smith}{2020a}]{smith20} Smith A., 2020\natexlab{a},`,
    String.raw`  \mnras, 491, 12, \doi{10.1093/mnras/stz3012}`,
    String.raw`% \bibitem{ghost} A commented item is no item.`,
    String.raw`\bibitem{lee21} Lee K., 2021, \bibinfo{journal}{Phys. Rev. D}, % arXiv:2101.00001`,
    String.raw`  103, 023001, \href{https://doi.org/10.1103/PhysRevD.103.023001}{link}.`,
    String.raw`\bibitem[broken label with no close {and no key`,
    String.raw`\bibitem{} Empty key.`,
    String.raw`\bibitem{wu22}Wu X., 2022, arXiv:2203.01234`,
    String.raw`\end{thebibliography}`,
    String.raw`\bibitem{outside} Not in any list.`,
  ].join('\n');
  const doc = parseTex(source);
  assert.deepEqual(
    doc.bibItems.map((i) => i.key),
    ['Andrews2016', 'smith20', 'lee21', 'wu22'],
  );
  const [andrews, smith, lee, wu] = doc.bibItems;
  assert.equal(andrews!.text, 'Andrews S. M., et al., 2016, ApJL, 820, L40');
  assert.equal(andrews!.line, 3);
  assert.equal(smith!.doi, '10.1093/mnras/stz3012');
  assert.equal(smith!.year, '2020');
  assert.match(smith!.text, /^Smith A\., 2020a, MNRAS, 491, 12/);
  // A commented arXiv id is not the reference's; a doi.org link is its DOI (the trailing full stop is not).
  assert.equal(lee!.arxivId, undefined);
  assert.equal(lee!.doi, '10.1103/PhysRevD.103.023001');
  assert.match(lee!.text, /Lee K\., 2021, Phys\. Rev\. D, 103/);
  assert.equal(wu!.arxivId, '2203.01234');
  assert.equal(source.slice(wu!.span.start, wu!.span.end), 'Wu X., 2022, arXiv:2203.01234');
});

test('an unclosed list runs to \\end{document}; a huge item is read only so far; no list, no items', () => {
  const long = 'x '.repeat(10_000);
  const doc = parseTex(
    `\\begin{thebibliography}{9}\n\\bibitem{a} A. 2001\n\\bibitem{b} ${long}\n\\end{document}\n\\bibitem{c} C.`,
  );
  assert.deepEqual(
    doc.bibItems.map((i) => i.key),
    ['a', 'b'],
  );
  assert.ok(doc.bibItems[1]!.text.length <= 4000);
  assert.deepEqual(parseTex('\\cite{a}\n\\bibitem{a} no list').bibItems, []);
});
