/**
 * The Atom reader against every recorded arXiv API response (2016 and 2026 output, the error feeds included), and
 * against synthetic bodies for the failures a network delivers: truncation, HTML error pages, foreign XML, nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { FeedError, type FeedErrorReason, parseAtomFeed } from '../../../src/pipeline/arxiv/atom';
import { isArxivId, parseArxivId } from '../../../src/pipeline/arxiv/ids';
import type { AtomPage, Paper } from '../../../src/pipeline/arxiv/types';
import { needRealdata, realdataPath } from '../../helpers/realdata';

interface IndexRow {
  url: string;
  status_code: number | null;
}

function recordedFeeds(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return recordedFeeds(dir, rel);
    return e.name.endsWith('.xml') ? [rel] : [];
  });
}

function readFeed(t: TestContext, rel: string): { xml: string; row: IndexRow } | null {
  const file = needRealdata(t, 'arxiv-api', rel);
  const index = needRealdata(t, 'arxiv-api', 'index.json');
  if (file === null || index === null) return null;
  const rows = JSON.parse(readFileSync(index, 'utf8')) as Record<string, IndexRow>;
  const row = rows[rel];
  assert.ok(row, `index.json describes ${rel}`);
  return { xml: readFileSync(file, 'utf8'), row };
}

function parseRecorded(t: TestContext, rel: string): AtomPage | null {
  const feed = readFeed(t, rel);
  return feed && parseAtomFeed(feed.xml, { url: feed.row.url });
}

function entry(page: AtomPage | null, id: string): Paper {
  const found = page?.entries.find((e) => e.id === id);
  assert.ok(found, `entry ${id}`);
  return found;
}

function feedError(reason: FeedErrorReason, ...fragments: (string | RegExp)[]) {
  return (e: unknown) => {
    assert.ok(e instanceof FeedError, `expected a FeedError, got ${String(e)}`);
    assert.ok(e instanceof MiniAstroError);
    assert.equal(e.kind, 'badInput');
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.retryable, reason !== 'arxiv-error');
    assert.ok(e.hint.length > 10, 'has a hint');
    for (const f of fragments) {
      if (typeof f === 'string')
        assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} has ${f}`);
      else assert.match(e.message, f);
    }
    return true;
  };
}

describe('every recorded arXiv API response', () => {
  const probe = needRealdataDir();
  const files = probe ? recordedFeeds(probe) : [];
  it('has recorded feeds to read', (t) => {
    if (needRealdata(t, 'arxiv-api') === null) return;
    assert.ok(files.length >= 29, `found ${files.length}`);
  });

  for (const rel of files) {
    it(`reads ${rel}`, (t) => {
      const feed = readFeed(t, rel);
      if (feed === null) return;
      const { xml, row } = feed;
      // Independent oracles, from the raw text: what the file holds, to compare the parser's answer with.
      const entryCount = xml.match(/<entry>/g)?.length ?? 0;
      const entryIds = [...xml.matchAll(/<entry>\s*<id>([^<]+)<\/id>/g)].map((m) => m[1]!);
      assert.equal(entryIds.length, entryCount);
      const errorId = entryIds.find((id) => id.includes('/api/errors#'));

      if (errorId !== undefined || row.status_code === 400) {
        assert.equal(row.status_code, 400, 'arXiv sends its error feeds with HTTP 400');
        const badId = /id_list=([^&]+)/.exec(row.url)?.[1];
        assert.ok(badId && errorId?.endsWith(`incorrect_id_format_for_${badId}`));
        assert.throws(
          () => parseAtomFeed(xml, { url: row.url }),
          feedError('arxiv-error', `incorrect id format for ${badId}`, row.url),
        );
        assert.throws(
          () => parseAtomFeed(xml),
          (e: unknown) => e instanceof FeedError && e.code === `incorrect_id_format_for_${badId}`,
        );
        return;
      }

      const page = parseAtomFeed(xml, { url: row.url });
      assert.equal(page.entries.length, entryCount);
      assert.deepEqual(
        page.entries.map((e) => e.id),
        entryIds.map((id) => parseArxivId(id).id),
      );
      assert.equal(page.totalResults, Number(/totalResults[^>]*>(\d+)</.exec(xml)?.[1]));
      assert.equal(page.startIndex, Number(/startIndex[^>]*>(\d+)</.exec(xml)?.[1]));
      assert.equal(page.itemsPerPage, Number(/itemsPerPage[^>]*>(\d+)</.exec(xml)?.[1]));
      for (const p of page.entries) {
        assert.ok(isArxivId(p.id) && !/v\d+$/.test(p.id), p.id);
        assert.ok(p.version !== null && p.version >= 1, `${p.id} version`);
        for (const text of [p.title, p.abstract, p.comment ?? 'x', p.journalRef ?? 'x', ...p.authors]) {
          assert.ok(
            text.length > 0 && !/\s\s|\n|^\s|\s$/.test(text),
            `${p.id}: normalised ${JSON.stringify(text)}`,
          );
        }
        assert.ok(p.authors.length >= 1, `${p.id} authors`);
        assert.ok(p.categories.length >= 1 && p.categories[0] === p.primaryCategory, `${p.id} categories`);
        assert.equal(new Set(p.categories).size, p.categories.length);
        assert.match(p.published ?? '', /^\d{4}-\d\d-\d\dT/);
        assert.match(p.updated ?? '', /^\d{4}-\d\d-\d\dT/);
      }
    });
  }
});

function needRealdataDir(): string | null {
  // Tests are registered before any TestContext exists; the per-test needRealdata calls do the skipping.
  const dir = realdataPath('arxiv-api');
  return existsSync(dir) ? dir : null;
}

describe('recorded feeds, spot checks', () => {
  it('reads an old-style id, entities in the abstract and affiliations-bearing authors (2026 output)', (t) => {
    const page = parseRecorded(t, 'id_astro-ph_0601001_s0_m100_3150dca9dc76.xml');
    if (page === null) return;
    assert.equal(page.totalResults, 1);
    const p = entry(page, 'astro-ph/0601001');
    assert.equal(p.version, 1);
    assert.equal(
      p.title,
      'Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina',
    );
    assert.ok(p.abstract.startsWith('We derive the frequencies of hot Jupiters (HJs) with 3--5 day periods'));
    assert.ok(p.abstract.includes('following Gould & Morgan (2003)'));
    assert.ok(p.abstract.includes('limit of V_max<17.5. Hence'));
    assert.ok(p.abstract.includes('(1/310)(1^{+1.39}_{-0.59})'), 'LaTeX kept as written');
    assert.deepEqual(p.authors, ['Andrew Gould', 'Susan Dorsher', 'B. Scott Gaudi', 'Andrzej Udalski']);
    assert.deepEqual(p.categories, ['astro-ph']);
    assert.equal(p.primaryCategory, 'astro-ph');
    assert.equal(p.published, '2006-01-02T14:57:58Z');
    assert.equal(p.updated, '2006-01-02T14:57:58Z');
    assert.equal(p.journalRef, 'ActaAstron.56:1-50,2006');
    assert.ok(p.comment?.startsWith('62 pages including 16 figures and 9 tables.'));
    assert.equal(p.doi, null);
  });

  it('decodes an entity in a title', (t) => {
    const page = parseRecorded(t, 'q_testing_s0_m10_bc5a6c384fe9.xml');
    if (page === null) return;
    const p = entry(page, '2302.03287');
    assert.equal(p.version, 3);
    assert.equal(p.title, 'ChatGPT and Software Testing Education: Promises & Perils');
    assert.deepEqual(p.categories, ['cs.SE', 'cs.HC']);
    assert.equal(p.authors[0], 'Sajed Jalil');
  });

  it('reads a 100-entry page with its paging numbers', (t) => {
    const page = parseRecorded(t, 'q_testing_s0_m100_cfe7536492ca.xml');
    if (page === null) return;
    assert.deepEqual(
      [page.totalResults, page.startIndex, page.itemsPerPage, page.entries.length],
      [214881, 0, 100, 100],
    );
    const first = page.entries[0]!;
    assert.equal(first.id, '2202.12139');
    assert.equal(first.doi, '10.1109/ICSTW55395.2022.00035');
    assert.deepEqual(first.authors, ['Mohit Kumar Ahuja', 'Arnaud Gotlieb', 'Helge Spieker']);
  });

  it('reads a later version and a title that is just "0"', (t) => {
    if (needRealdata(t, 'arxiv-api', 'index.json') === null) return;
    assert.equal(entry(parseRecorded(t, 'q_testing_s10_m10_34e56e15aaac.xml'), '2403.16981').version, 2);
    const p = entry(parseRecorded(t, 'id_2104.12255v1_s0_m100_6ae69987ffe1.xml'), '2104.12255');
    assert.equal(p.title, '0');
    assert.equal(p.primaryCategory, 'cs.CR');
  });

  it('normalises the 2016 wrapped summary to one line and reads inline-declared namespaces', (t) => {
    const page = parseRecorded(t, 'arxivpy-2016/search_query_au_del_maestro.xml');
    if (page === null) return;
    assert.deepEqual(
      [page.totalResults, page.startIndex, page.itemsPerPage, page.entries.length],
      [31, 0, 10, 10],
    );
    const p = entry(page, '1201.4869');
    assert.equal(p.version, 1);
    assert.equal(p.title, 'A Luttinger Liquid Core Inside Helium-4 Filled Nanopores');
    assert.ok(
      p.abstract.startsWith(
        'As helium-4 is cooled below 2.17 K it undergoes a phase transition to a fundamentally new state of ' +
          'matter known as a superfluid which supports flow without viscosity.',
      ),
    );
    assert.ok(
      p.abstract.endsWith(
        'exciting possibility of the experimental detection of this intriguing low dimensional state of matter.',
      ),
    );
    assert.equal(p.primaryCategory, 'cond-mat.mes-hall');
    assert.deepEqual(p.categories, ['cond-mat.mes-hall', 'cond-mat.other']);
    assert.equal(p.doi, '10.1142/S021797921244002X');
    assert.equal(p.journalRef, 'Int. J. Mod. Phys. B, 26, 1244002 (2012)');
    assert.equal(p.comment, '26 pages, 10 figures');
    assert.equal(p.published, '2012-01-23T21:15:02Z');
    const q = entry(page, 'cond-mat/0412498');
    assert.deepEqual(q.authors, ['Adrian Del Maestro', 'Subir Sachdev']);
    assert.ok(q.abstract.includes('on the square lattice (p >= 3, integer). For the'));
  });

  it('reads a 2016 wrapped title and a version 2', (t) => {
    if (needRealdata(t, 'arxiv-api', 'index.json') === null) return;
    const p = entry(parseRecorded(t, 'arxivpy-2016/id_list_1111.2011v2.xml'), '1111.2011');
    assert.equal(p.version, 2);
    assert.equal(
      p.title,
      'Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit',
    );
    assert.equal(p.published, '2011-11-08T18:48:36Z');
    assert.equal(p.updated, '2012-04-02T12:38:54Z');
    const z = entry(parseRecorded(t, 'zoia_id_1601.00001.xml'), '1601.00001');
    assert.equal(
      z.title,
      'Inelastic effects in molecular transport junctions: The probe technique at high bias',
    );
    assert.ok(
      z.abstract.startsWith('We extend the Landauer-B\\"uttiker probe formalism'),
      'LaTeX accent kept',
    );
    assert.ok(z.abstract.includes('distinct $I$-$V$ characteristics'));
  });

  it('normalises a wrapped 2016 comment and keeps many authors in order', (t) => {
    if (needRealdata(t, 'arxiv-api', 'index.json') === null) return;
    const p = entry(parseRecorded(t, 'pubs/id_astro_ph_9812133.xml'), 'astro-ph/9812133');
    assert.equal(p.title, 'Measurements of Omega and Lambda from 42 High-Redshift Supernovae');
    assert.equal(
      p.comment,
      '21 pages and 10 figures. Accepted for publication in the Astrophysical Journal. Individual color figures, ' +
        'supplementary tables, and preprint also available at http://www-supernova.lbl.gov/',
    );
    assert.equal(p.authors.at(-1), 'W. J. Couch');
    assert.ok(p.authors.length > 30);
    assert.deepEqual(p.categories, ['astro-ph', 'hep-ex', 'hep-ph']);
    assert.equal(p.doi, '10.1086/307221');
    assert.equal(
      entry(parseRecorded(t, 'pubs/id_math_0211159.xml'), 'math/0211159').primaryCategory,
      'math.DG',
    );
  });

  it('reads the empty feeds arXiv sends for ids that cannot exist', (t) => {
    for (const rel of ['id_0000.0000_s0_m100_8b51d9633a68.xml', 'id_0808.05394_s0_m100_7b0c7d0a7cdd.xml']) {
      const page = parseRecorded(t, rel);
      if (page === null) return;
      assert.deepEqual(page, {
        totalResults: 0,
        startIndex: 0,
        itemsPerPage: 100,
        entries: [],
        entryLines: [],
      });
    }
    const mixed = parseRecorded(t, 'id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml');
    assert.deepEqual(
      mixed?.entries.map((e) => e.id),
      ['1707.08567'],
    );
  });

  it('turns both recorded error feeds into the id arXiv refused', (t) => {
    const abc = readFeed(t, 'id_abc_s0_m100_b79c8dcf6bc3.xml');
    const old = readFeed(t, 'pubs/id_INVALIDID.xml');
    if (abc === null || old === null) return;
    assert.throws(
      () => parseAtomFeed(abc.xml),
      feedError('arxiv-error', 'arXiv rejected the request: incorrect id format for abc.'),
    );
    assert.throws(
      () => parseAtomFeed(old.xml),
      feedError('arxiv-error', 'incorrect id format for INVALIDID'),
    );
  });
});

const NS =
  'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" ' +
  'xmlns="http://www.w3.org/2005/Atom"';

function entryXml(id: string, inner = ''): string {
  return `<entry><id>http://arxiv.org/abs/${id}</id><title>T ${id}</title><summary>S</summary>${inner}
    <author><name>A. Author</name></author></entry>`;
}

function feedXml(entries: string, total = 1): string {
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed ${NS}>
  <id>https://arxiv.org/api/x</id>
  <opensearch:itemsPerPage>10</opensearch:itemsPerPage>
  <opensearch:totalResults>${total}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  ${entries}
</feed>
`;
}

describe('synthetic feeds', () => {
  it('puts the primary category first and drops duplicate categories', () => {
    const xml = feedXml(
      entryXml(
        '2401.00001v1',
        `<category term="astro-ph.CO"/><category term="astro-ph.GA"/><category term="astro-ph.CO"/>
         <category term=" astro-ph.GA "/><arxiv:primary_category term="astro-ph.GA"/>`,
      ),
    );
    const p = parseAtomFeed(xml).entries[0]!;
    assert.deepEqual(p.categories, ['astro-ph.GA', 'astro-ph.CO']);
    assert.equal(p.primaryCategory, 'astro-ph.GA');
  });

  it('adds a primary category missing from the list, and falls back to the first category', () => {
    const a = parseAtomFeed(
      feedXml(entryXml('2401.00001', '<category term="cs.LG"/><arxiv:primary_category term="stat.ML"/>')),
    );
    assert.deepEqual(a.entries[0]!.categories, ['stat.ML', 'cs.LG']);
    assert.equal(a.entries[0]!.version, null);
    const b = parseAtomFeed(
      feedXml(entryXml('2401.00001', '<category term="cs.LG"/><category term="cs.AI"/>')),
    );
    assert.equal(b.entries[0]!.primaryCategory, 'cs.LG');
    const c = parseAtomFeed(feedXml(entryXml('2401.00001')));
    assert.deepEqual([c.entries[0]!.categories, c.entries[0]!.primaryCategory], [[], null]);
  });

  it('reads CDATA, numeric character references and keeps a no-break space', () => {
    const xml = feedXml(
      `<entry><id>http://arxiv.org/abs/2401.00002v4</id><title>H&#8322;O at 10&#160;K</title>
      <summary><![CDATA[a < b & c]]>
         and  $x^2$</summary><author><name>  B.
         Author </name></author></entry>`,
    );
    const p = parseAtomFeed(xml).entries[0]!;
    assert.equal(p.title, 'H\u2082O at 10\u00a0K');
    assert.equal(p.abstract, 'a < b & c and $x^2$');
    assert.deepEqual(p.authors, ['B. Author']);
  });

  it('ignores elements from other namespaces and names outside authors', () => {
    const xml = feedXml(
      `<entry><id>http://arxiv.org/abs/2401.00003</id><title>T</title><summary>S</summary>
       <x:title xmlns:x="urn:other">not this</x:title>
       <author><name>A</name><arxiv:affiliation>Somewhere</arxiv:affiliation></author>
       <contributor xmlns="urn:other"><name>not an author</name></contributor></entry>`,
    );
    const p = parseAtomFeed(xml).entries[0]!;
    assert.equal(p.title, 'T');
    assert.deepEqual(p.authors, ['A']);
  });

  it('defaults the paging numbers when opensearch is absent', () => {
    const page = parseAtomFeed(`<feed xmlns="http://www.w3.org/2005/Atom">${entryXml('2401.00004')}</feed>`);
    assert.deepEqual([page.totalResults, page.startIndex, page.itemsPerPage], [1, 0, 1]);
  });

  it('reports malformed XML with line and column, and the url', () => {
    const xml = feedXml(entryXml('2401.00001')).replace('</title>', '</titel>');
    assert.throws(
      () => parseAtomFeed(xml, { url: 'https://export.arxiv.org/api/query?id_list=2401.00001' }),
      feedError(
        'malformed',
        'https://export.arxiv.org/api/query?id_list=2401.00001',
        /not well-formed XML \(line 7, column \d+: /,
      ),
    );
  });

  it('reports a body cut off in transit', () => {
    const full = feedXml(entryXml('2401.00001') + entryXml('2401.00002'), 2);
    for (const cut of [0.3, 0.5, 0.9, 0.99]) {
      const truncated = full.slice(0, Math.floor(full.length * cut));
      assert.throws(
        () => parseAtomFeed(truncated),
        feedError('malformed', 'not well-formed XML', 'probably cut off'),
      );
    }
  });

  it('reports an empty body', () => {
    for (const body of ['', '  \n']) {
      assert.throws(
        () => parseAtomFeed(body, { url: 'https://x/api' }),
        feedError('malformed', 'https://x/api', 'is empty'),
      );
    }
  });

  it('reports an HTML error page, quoting its heading', () => {
    const html =
      '<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service Unavailable</h1>' +
      '<p>No server is available to handle this request.<br></p></body></html>';
    assert.throws(
      () => parseAtomFeed(html),
      feedError('wrong-document', 'an HTML page ("503 Service Unavailable")'),
    );
    const doctype = '<!DOCTYPE html>\n<html lang="en"><meta charset="utf-8"><h1>Rate limited</h1>';
    assert.throws(() => parseAtomFeed(doctype), feedError('wrong-document', '"Rate limited"'));
  });

  it('reports a well-formed document that is not an Atom feed', () => {
    assert.throws(
      () => parseAtomFeed('<?xml version="1.0"?><rss version="2.0"><channel/></rss>'),
      feedError('wrong-document', 'root is <rss>', 'not an Atom feed'),
    );
    assert.throws(
      () => parseAtomFeed('<feed xmlns="urn:not-atom"><entry/></feed>'),
      feedError('wrong-document', 'namespace urn:not-atom'),
    );
  });

  it('reports plain text where a feed should be', () => {
    assert.throws(() => parseAtomFeed('Rate exceeded.'), feedError('malformed', '"Rate exceeded."'));
  });

  it('reports an undeclared namespace prefix as malformed', () => {
    const xml = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2401.00001</id><arxiv:comment>c</arxiv:comment></entry></feed>`;
    assert.throws(() => parseAtomFeed(xml), feedError('malformed', 'arxiv'));
  });

  it('refuses an entry whose id is not an arXiv abstract URL', () => {
    const xml = feedXml(`<entry><id>urn:uuid:1234</id><title>x</title></entry>`);
    assert.throws(() => parseAtomFeed(xml), feedError('malformed', '"urn:uuid:1234"', 'line 7'));
  });

  it('recognises an error entry even with a paper-like title', () => {
    const xml = feedXml(
      `<entry><id>http://arxiv.org/api/errors#max_results_must_be_ltoe_30000</id><title>Error</title>
       <summary>max_results must be &lt;= 30000</summary></entry>`,
    );
    assert.throws(
      () => parseAtomFeed(xml, { url: 'U' }),
      (e: unknown) => {
        assert.ok(e instanceof FeedError);
        assert.equal(e.reason, 'arxiv-error');
        assert.equal(e.code, 'max_results_must_be_ltoe_30000');
        assert.equal(e.message, 'arXiv rejected the request: max_results must be <= 30000 (request: U).');
        return true;
      },
    );
  });
});

describe('a full 2000-entry page', () => {
  // Speed is measured by `npm run bench`, not here; this checks that a full page parses completely.
  it('parses every entry', (t) => {
    const file = needRealdata(t, 'arxiv-api', 'id_astro-ph_0601001_s0_m100_3150dca9dc76.xml');
    if (file === null) return;
    const src = readFileSync(file, 'utf8');
    const one = src.slice(src.indexOf('<entry>'), src.indexOf('</entry>') + '</entry>'.length);
    const parts = [src.slice(0, src.indexOf('<entry>'))];
    for (let i = 1; i <= 2000; i++)
      parts.push(one.replaceAll('astro-ph/0601001', `2401.${String(i).padStart(5, '0')}`));
    parts.push('</feed>');
    const xml = parts.join('\n');
    const page = parseAtomFeed(xml);
    assert.equal(page.entries.length, 2000);
    assert.equal(new Set(page.entries.map((e) => e.id)).size, 2000);
    assert.equal(page.entries[1999]!.id, '2401.02000');
  });
});
