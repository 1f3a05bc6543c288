/** Every spelling of an arXiv id must reduce to one storage key; impossible ids must be refused by name. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { formatArxivId, isArxivId, parseArxivId } from '../../../src/pipeline/arxiv/ids';

describe('parseArxivId', () => {
  const cases: [string, string, number | null][] = [
    ['1801.00855', '1801.00855', null],
    ['1801.00855v2', '1801.00855', 2],
    ['0704.0001', '0704.0001', null],
    ['1412.9999v12', '1412.9999', 12],
    ['2501.01234', '2501.01234', null],
    ['astro-ph/0601001', 'astro-ph/0601001', null],
    ['astro-ph/0601001v3', 'astro-ph/0601001', 3],
    ['hep-th/9901001', 'hep-th/9901001', null],
    ['math.GT/0309136', 'math/0309136', null],
    ['cond-mat.mes-hall/0501234v1', 'cond-mat/0501234', 1],
    ['http://arxiv.org/abs/astro-ph/0601001v1', 'astro-ph/0601001', 1],
    ['https://arxiv.org/abs/2104.12255v1', '2104.12255', 1],
    ['https://export.arxiv.org/abs/2104.12255', '2104.12255', null],
    ['https://arxiv.org/pdf/2104.12255v3.pdf', '2104.12255', 3],
    ['https://arxiv.org/abs/2104.12255?context=cs', '2104.12255', null],
    ['oai:arXiv.org:1801.00855', '1801.00855', null],
    ['oai:arXiv.org:astro-ph/0601001', 'astro-ph/0601001', null],
    ['arXiv:1801.00855v1', '1801.00855', 1],
    ['  1801.00855 \n', '1801.00855', null],
  ];
  for (const [text, id, version] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parseArxivId(text), { id, version });
      assert.equal(isArxivId(text), true);
    });
  }

  const garbage = [
    '',
    'abc',
    'INVALIDID',
    '0000.0000', // month 00
    '0808.05394', // five-digit numbers began in 2015
    '1501.0001', // four-digit numbers ended in 2014
    '0612.0001', // the new scheme began in April 2007
    '1813.00001', // month 18
    '1801.00855v0',
    '1801.00855v',
    'astro-ph/060100', // six digits
    'astro-ph/5001001', // 1950
    'Astro-Ph/0601001',
    'https://example.org/abs/1801.00855',
    '1801.00855 1801.00856',
  ];
  for (const text of garbage) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.equal(isArxivId(text), false);
      assert.throws(
        () => parseArxivId(text),
        (e: unknown) =>
          e instanceof MiniAstroError &&
          e.kind === 'badInput' &&
          e.message.includes(`"${text}"`) &&
          e.hint.includes('2501.01234'),
      );
    });
  }

  it('shortens a very long text in the message', () => {
    assert.throws(
      () => parseArxivId('x'.repeat(500)),
      (e: unknown) => e instanceof MiniAstroError && e.message.length < 120,
    );
  });
});

describe('formatArxivId', () => {
  it('appends the version only when known', () => {
    assert.equal(formatArxivId({ id: '1801.00855', version: 2 }), '1801.00855v2');
    assert.equal(formatArxivId({ id: 'astro-ph/0601001', version: null }), 'astro-ph/0601001');
  });
});
