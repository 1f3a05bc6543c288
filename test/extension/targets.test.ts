// Explain targets from scanned items, and explanations inserted into LaTeX as comments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScannedItem } from '../../src/engine/protocol';
import { asLatexComment, innermostItem, targetFromItem } from '../../src/extension/targets';

test('asLatexComment: every line a comment within the width, paragraphs kept, % escaped', () => {
  const text = `${'word '.repeat(60).trim()} with 5% more.\n\nSecond paragraph here.`;
  const comment = asLatexComment(text, 'Explanation by MiniAstroLM (student):', 40);
  const lines = comment.trimEnd().split('\n');
  assert.equal(lines[0], '% Explanation by MiniAstroLM (student):');
  for (const line of lines) {
    assert.ok(line.startsWith('%'), line);
    assert.ok(line.length <= 40, line);
  }
  assert.ok(lines.includes('%'), 'a blank comment line between paragraphs');
  assert.ok(comment.includes('5\\%'));
  assert.ok(comment.endsWith('\n'));
});

test('a .tex abstract can be inserted under; a citation cannot', () => {
  const base: ScannedItem & { abstract: string } = {
    kind: 'abstract',
    start: 0,
    end: 5,
    line: 4,
    key: null,
    paperId: null,
    title: 'T',
    authors: [],
    year: null,
    arxivId: null,
    abstract: 'Some abstract.',
    origin: 'document',
    bibFile: null,
    reference: null,
    problem: null,
  };
  const tex = targetFromItem(base, '/w/paper.tex', 'file:///w/paper.tex', 7);
  assert.deepEqual(tex.insertAfter, { uri: 'file:///w/paper.tex', line: 7 });
  assert.equal(tex.display.origin, 'paper.tex, line 4');
  const cite = targetFromItem(
    { ...base, kind: 'cite', key: 'k', origin: 'bib', bibFile: '/w/refs.bib' },
    '/w/paper.tex',
    'file:///w/paper.tex',
    7,
  );
  assert.equal(cite.insertAfter, null);
  assert.equal(cite.display.canInsert, false);
  assert.equal(cite.display.origin, 'refs.bib (k)');
});

test('the item under the cursor is the innermost: a citation inside an abstract, an id inside a reference', () => {
  const at = (kind: ScannedItem['kind'], start: number, end: number, key: string | null): ScannedItem => ({
    kind,
    start,
    end,
    line: 1,
    key,
    paperId: null,
    title: null,
    authors: [],
    year: null,
    arxivId: null,
    abstract: null,
    origin: null,
    bibFile: null,
    reference: null,
    problem: null,
  });
  // Sorted by start, as scans are: the abstract [0, 100) holds the citation [40, 48).
  const items = [at('abstract', 0, 100, null), at('cite', 40, 48, 'smith2020'), at('cite', 200, 260, 'wu22')];
  items.push(at('arxiv-id', 230, 246, '2501.90001'));
  assert.equal(innermostItem(items, 10)?.kind, 'abstract');
  assert.equal(innermostItem(items, 44)?.key, 'smith2020');
  assert.equal(innermostItem(items, 48)?.key, 'smith2020', 'the end is inclusive (the cursor after the key)');
  assert.equal(innermostItem(items, 210)?.key, 'wu22');
  assert.equal(innermostItem(items, 235)?.kind, 'arxiv-id');
  assert.equal(innermostItem(items, 150), undefined);
});
