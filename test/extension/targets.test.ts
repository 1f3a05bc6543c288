// Explain targets from scanned items, and explanations inserted into LaTeX as comments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScannedItem } from '../../src/engine/protocol';
import { asLatexComment, targetFromItem } from '../../src/extension/targets';

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
