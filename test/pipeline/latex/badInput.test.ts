import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findArxivIds } from '../../../src/pipeline/latex/arxivIds';
import { itemAt } from '../../../src/pipeline/latex/at';
import { parseBib } from '../../../src/pipeline/latex/bib';
import { latexToText } from '../../../src/pipeline/latex/latexToText';
import type { SourceSpan } from '../../../src/pipeline/latex/source';
import { parseTex } from '../../../src/pipeline/latex/tex';

function assertSpansInside(spans: SourceSpan[], length: number): void {
  let previous = -1;
  for (const span of spans) {
    assert.ok(span.start >= 0 && span.start <= span.end && span.end <= length, JSON.stringify(span));
    assert.ok(span.start >= previous, 'sorted');
    previous = span.start;
  }
}

/** Fragments that stress the parsers: delimiters, commands, half-written entries, ids, escapes. */
const fragment = fc.constantFrom(
  '\\',
  '{',
  '}',
  '$',
  '%',
  '^',
  '_',
  '~',
  '[',
  ']',
  '"',
  '#',
  '=',
  ',',
  '@',
  ' ',
  '\n',
  '\r\n',
  'a',
  'Z',
  '9',
  'é',
  '\u{1F600}',
  '\\begin{abstract}',
  '\\end{abstract}',
  '\\abstract',
  '\\maketitle',
  '\\title',
  '\\citep',
  '\\cite*',
  '\\SI',
  '\\si',
  '\\frac',
  '\\sqrt',
  '\\"',
  "\\'",
  '\\c',
  '\\textbf',
  '\\footnote',
  '\\verb',
  '\\url',
  '\\left',
  '\\\\',
  '\\textbackslash',
  '\\textbraceleft',
  '\\$',
  '$\\backslash$',
  '\\backslash',
  '\\per',
  '@article{',
  '@string{',
  'abstract = ',
  'arXiv:',
  '2501.01234',
  'astro-ph/0601001',
  '\\begin{equation}',
);
const latexish = fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join(''));

test('property: the parsers never throw, keep spans inside the text, and no LaTeX command survives', () => {
  fc.assert(
    fc.property(latexish, (text) => {
      for (const comments of [true, false]) {
        const plain = latexToText(text, { comments });
        assert.equal(typeof plain, 'string');
        assert.doesNotMatch(plain, /\\[A-Za-z]/);
      }
      const doc = parseTex(text);
      assertSpansInside(
        doc.abstracts.map((a) => a.span),
        text.length,
      );
      assertSpansInside(
        doc.citations.map((c) => c.span),
        text.length,
      );
      assertSpansInside(
        doc.arxivIds.map((m) => m.span),
        text.length,
      );
      const bib = parseBib(text);
      assertSpansInside(
        bib.entries.map((e) => e.span),
        text.length,
      );
      for (const entry of bib.entries)
        if (entry.abstractSpan) assertSpansInside([entry.abstractSpan], text.length);
      assertSpansInside(
        findArxivIds(text).map((m) => m.span),
        text.length,
      );
      for (let offset = -1; offset <= text.length; offset += 7) {
        itemAt(doc, offset);
        itemAt(bib, offset);
      }
    }),
    { numRuns: 400, seed: 20251203 },
  );
});

test("property: generated .bib entries come back whole, with their abstracts' exact spans, whatever lies between", () => {
  const word = fc.stringMatching(/^[A-Za-z0-9.,;:()-]{1,8}$/);
  const value = fc
    .array(
      fc.oneof(
        word,
        word.map((w) => `{${w}}`),
        word.map((w) => `{\\"${w[0]}}`),
      ),
      { minLength: 1, maxLength: 12 },
    )
    .map((ws) => ws.join(' '));
  const entry = fc.record({
    key: fc.stringMatching(/^[A-Za-z][A-Za-z0-9:_-]{0,10}$/),
    abstract: value,
    quoted: fc.boolean(),
    junk: fc.constantFrom('', 'stray text\n', 'freeze\n', '% a comment @ here\n', '@comment{x}\n'),
    newline: fc.constantFrom('\n', '\r\n'),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
      const text = entries
        .map((e) => {
          const abstract = e.quoted ? `"${e.abstract}"` : `{${e.abstract}}`;
          return `${e.junk}@article{${e.key},${e.newline}  title = {T},${e.newline}  abstract = ${abstract}${e.newline}}${e.newline}`;
        })
        .join('');
      const parsed = parseBib(text);
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(
        parsed.entries.map((e) => e.key),
        entries.map((e) => e.key),
      );
      parsed.entries.forEach((e, k) => {
        assert.equal(text.slice(e.abstractSpan!.start, e.abstractSpan!.end), entries[k]!.abstract);
      });
    }),
    { numRuns: 200, seed: 20251203 },
  );
});

test('a 5 MB .bib parses completely, in bounded time, with nothing lost', { timeout: 60_000 }, () => {
  const entry = (k: number) =>
    `@article{key${k},\n  title = {Entry {${k}} on {\\"U}ber-dense $\\sim 10^{${k % 9}}$ clusters},\n` +
    `  author = {Doe, J. and M{\\"u}ller, K.},\n  year = ${1990 + (k % 35)},\n  eprint = {${2001 + (k % 12)}.${String(10000 + k).slice(-5)}},\n` +
    `  abstract = {${'We measure the mass of {nested {braces}} \\citep{x} in \\SI{2}{Myr}. '.repeat(6)}}\n}\n` +
    (k % 100 === 0 ? 'junk line between entries\n' : '');
  const parts: string[] = [];
  let size = 0;
  let count = 0;
  while (size < 5_000_000) {
    const text = entry(count++);
    parts.push(text);
    size += text.length;
  }
  const bib = parts.join('');
  const { entries, problems } = parseBib(bib);
  assert.deepEqual(problems, []);
  assert.equal(entries.length, count);
  const last = entries[count - 1]!;
  assert.equal(last.key, `key${count - 1}`);
  assert.ok(last.abstract!.startsWith('We measure the mass of nested braces in 2 Myr.'));
  assert.deepEqual(last.authors, ['J. Doe', 'K. Müller']);
  assert.match(last.title!, /^Entry \d+ on Über-dense ~10\^\d clusters$/);
});

test('bad inputs: binary, unbalanced braces, no abstract, an 8,000-word abstract — results, never a throw', {
  timeout: 60_000,
}, () => {
  // A binary file (what a .pdf renamed .tex reads as).
  const bytes = Buffer.alloc(200_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
  const binary = bytes.toString('utf8');
  assert.deepEqual(parseTex(binary).abstracts, []);
  assert.match(parseBib(`%PDF-1.5\u0000${binary}`).problems[0]!.reason, /binary/);
  assert.doesNotMatch(latexToText(binary), /\\[A-Za-z]/);

  // Unbalanced braces: the abstract still comes out, the title stops at the limit rather than failing.
  const unbalanced = parseTex(
    '\\title{Open {title\n\\begin{abstract}\nWe {find \\textbf{things.\n\\end{abstract}\n',
  );
  assert.equal(unbalanced.abstracts[0]!.text, 'We find things.');
  const jcap = parseTex('\\abstract{Never closed\n\\maketitle\nBody');
  assert.deepEqual(jcap.abstracts, []);

  // No abstract at all.
  const none = parseTex('\\documentclass{article}\\begin{document}Hello \\cite{a}.\\end{document}');
  assert.deepEqual([none.abstracts, none.citations.map((c) => c.key)], [[], ['a']]);
  assert.deepEqual(parseBib('').problems, []);
  assert.match(parseBib('just some text').problems[0]!.reason, /no BibTeX entries/);

  // An 8,000-word abstract (the issue asks for 5,000), with math in every sentence.
  const words = Array.from({ length: 1000 }, (_, k) => `Star ${k} has $M = ${k}\\,M_\\odot$ mass.`).join(' ');
  const long = parseTex(`\\begin{abstract}${words}\\end{abstract}`);
  assert.equal(long.abstracts[0]!.text.split(' ').length, 8000);
  assert.ok(long.abstracts[0]!.text.endsWith('Star 999 has M = 999 M☉ mass.'));
});
