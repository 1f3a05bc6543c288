/** API request URLs: the arguments arXiv expects, and its paging limits refused before any request is made. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import {
  arxivMaxResultsPerPage,
  arxivMaxResultsPerQuery,
  buildApiQueryUrl,
} from '../../../src/pipeline/arxiv/query';

const base = 'https://export.arxiv.org/api/query';

function usage(pattern: RegExp) {
  return (e: unknown) =>
    e instanceof MiniAstroError && e.kind === 'usage' && pattern.test(e.message) && e.hint !== '';
}

describe('buildApiQueryUrl', () => {
  it('encodes a search query with sorting and paging', () => {
    const url = new URL(
      buildApiQueryUrl(base, {
        searchQuery: 'cat:astro-ph.GA AND ti:"dark matter"',
        sortBy: 'submittedDate',
        sortOrder: 'descending',
        start: 200,
        maxResults: 100,
      }),
    );
    assert.equal(url.origin + url.pathname, base);
    assert.equal(url.searchParams.get('search_query'), 'cat:astro-ph.GA AND ti:"dark matter"');
    assert.equal(url.searchParams.get('start'), '200');
    assert.equal(url.searchParams.get('max_results'), '100');
    assert.equal(url.searchParams.get('sortBy'), 'submittedDate');
    assert.equal(url.searchParams.get('sortOrder'), 'descending');
    assert.equal(url.searchParams.has('id_list'), false);
  });

  it('sends canonical ids, keeping asked-for versions', () => {
    const url = new URL(
      buildApiQueryUrl(base, {
        idList: ['https://arxiv.org/abs/2104.12255v1', 'astro-ph/0601001', 'arXiv:1801.00855'],
        start: 0,
        maxResults: 3,
      }),
    );
    assert.equal(url.searchParams.get('id_list'), '2104.12255v1,astro-ph/0601001,1801.00855');
    assert.equal(url.searchParams.has('search_query'), false);
    assert.equal(url.searchParams.has('sortBy'), false);
  });

  it('accepts the largest page and the last allowed window', () => {
    buildApiQueryUrl(base, { searchQuery: 'all:x', start: 0, maxResults: arxivMaxResultsPerPage });
    buildApiQueryUrl(base, { searchQuery: 'all:x', start: 28000, maxResults: 2000 });
    assert.equal(arxivMaxResultsPerQuery, 30000);
  });

  it('refuses a page over 2000 results', () => {
    assert.throws(
      () => buildApiQueryUrl(base, { searchQuery: 'all:x', start: 0, maxResults: 2001 }),
      usage(/2001 .*2000/),
    );
  });

  it('refuses to page past result 30000', () => {
    assert.throws(
      () => buildApiQueryUrl(base, { searchQuery: 'all:x', start: 29000, maxResults: 1001 }),
      usage(/30000/),
    );
  });

  it('needs a query or ids', () => {
    assert.throws(
      () => buildApiQueryUrl(base, { start: 0, maxResults: 10 }),
      usage(/search query or a list of ids/),
    );
    assert.throws(
      () => buildApiQueryUrl(base, { searchQuery: '  ', idList: [], start: 0, maxResults: 10 }),
      usage(/neither/),
    );
  });

  it('refuses bad numbers, bad ids and bad base URLs', () => {
    assert.throws(
      () => buildApiQueryUrl(base, { searchQuery: 'x', start: -1, maxResults: 10 }),
      usage(/start/),
    );
    assert.throws(
      () => buildApiQueryUrl(base, { searchQuery: 'x', start: 0, maxResults: 0 }),
      usage(/maxResults/),
    );
    assert.throws(
      () => buildApiQueryUrl(base, { searchQuery: 'x', start: 1.5, maxResults: 1 }),
      usage(/start/),
    );
    assert.throws(() => buildApiQueryUrl(base, { idList: ['abc'], start: 0, maxResults: 1 }), usage(/"abc"/));
    assert.throws(
      () => buildApiQueryUrl('not a url', { searchQuery: 'x', start: 0, maxResults: 1 }),
      usage(/URL/),
    );
    assert.throws(
      () => buildApiQueryUrl(`${base}?max_results=5`, { searchQuery: 'x', start: 0, maxResults: 1 }),
      usage(/without a query/),
    );
  });
});
