import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findArxivIds } from '../../../src/pipeline/latex/arxivIds';

function found(text: string) {
  return findArxivIds(text).map((m) => ({
    id: m.id,
    version: m.version,
    text: text.slice(m.span.start, m.span.end),
    line: m.line,
  }));
}

test('arXiv ids in every spelling, with the whole mention as the span', () => {
  const text = [
    'See arXiv:2501.01234v2 and arXiv: 1706.03762, a bare 2501.01234 (new style),',
    'the old astro-ph/0601001 and math.GT/0309136v1, https://arxiv.org/abs/2101.00001v3,',
    'arxiv.org/pdf/1901.00002.pdf, http://export.arxiv.org/abs/hep-th/9901001, the DOI 10.48550/arXiv.2202.00003',
    'and the ADS bibcode 2014arXiv1404.5954S.',
  ].join('\n');
  assert.deepEqual(found(text), [
    { id: '2501.01234', version: 2, text: 'arXiv:2501.01234v2', line: 1 },
    { id: '1706.03762', version: undefined, text: 'arXiv: 1706.03762', line: 1 },
    { id: '2501.01234', version: undefined, text: '2501.01234', line: 1 },
    { id: 'astro-ph/0601001', version: undefined, text: 'astro-ph/0601001', line: 2 },
    { id: 'math/0309136', version: 1, text: 'math.GT/0309136v1', line: 2 },
    { id: '2101.00001', version: 3, text: 'https://arxiv.org/abs/2101.00001v3', line: 2 },
    { id: '1901.00002', version: undefined, text: 'arxiv.org/pdf/1901.00002.pdf', line: 3 },
    { id: 'hep-th/9901001', version: undefined, text: 'http://export.arxiv.org/abs/hep-th/9901001', line: 3 },
    { id: '2202.00003', version: undefined, text: 'arXiv.2202.00003', line: 3 },
    { id: '1404.5954', version: undefined, text: 'arXiv1404.5954', line: 4 },
  ]);
});

test('numbers that only look like ids are not ids', () => {
  const notIds = [
    '12345.67890', // inside a longer number
    'x 1234.5678 y', // month 34
    '2501.012345', // one digit too many
    '2501.0123', // five digits are due from 2015
    '0612.12345', // and four before
    'DOI 10.1093/mnras/stz2345 and 10.1103/PhysRevD.90.095004',
    '10.1016/j.physletb.2015.1234.5678', // digits inside another DOI
    'version v1.2501.01234',
    'file_2501.01234 and path/2501.01234',
    'astro-ph/061127', // six digits
    'arXiv:1313.00001', // month 13
  ];
  for (const text of notIds) assert.deepEqual(found(text), [], text);
  // Sentence punctuation after an id is not part of it.
  assert.deepEqual(
    found('(2501.01234). Also 2501.01234v1, and 2501.01234;').map((m) => m.text),
    ['2501.01234', '2501.01234v1', '2501.01234'],
  );
});
