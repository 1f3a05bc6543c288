/**
 * The OAI-PMH ListRecords reader and URL builder. No recorded OAI responses are available, so the fixtures are
 * written here in the shape arXiv's endpoint sends (metadataPrefix=arXiv): wrapped titles and abstracts, authors
 * split into keyname/forenames/suffix, deleted records without metadata, and OAI error elements.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { buildOaiListRecordsUrl, parseOaiListRecords } from '../../../src/pipeline/arxiv/oai';
import { FeedError, type FeedErrorReason } from '../../../src/pipeline/arxiv/xml';

function oai(
  body: string,
  request = '<request verb="ListRecords" metadataPrefix="arXiv" set="physics:astro-ph" from="2018-01-01">http://export.arxiv.org/oai2</request>',
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2018-01-05T10:11:12Z</responseDate>
${request}
${body}
</OAI-PMH>
`;
}

const ARXIV_OPEN =
  '<arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
  'xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">';

const RECORD_NEW = `<record>
<header>
 <identifier>oai:arXiv.org:1801.00855</identifier>
 <datestamp>2018-02-01</datestamp>
 <setSpec>physics:astro-ph</setSpec>
</header>
<metadata>
 ${ARXIV_OPEN}
 <id>1801.00855</id><created>2018-01-02</created><updated>2018-02-01</updated><authors><author><keyname>Smith</keyname><forenames>Jane A.</forenames><suffix>Jr</suffix></author><author><keyname>Garc&#xed;a</keyname><forenames>Luis</forenames><affiliation>IAC</affiliation></author><author><keyname>The LSST Collaboration</keyname></author></authors><title>Gas inflow onto   galaxies at z &gt; 2: a
  $\\Lambda$CDM view</title><categories>astro-ph.GA astro-ph.CO astro-ph.GA</categories><comments>12 pages, 8 figures; accepted
  to MNRAS</comments><journal-ref>MNRAS 475, 1 (2018)</journal-ref><doi>10.1093/mnras/stx3300</doi><license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</license><abstract>  We study how gas reaches galaxies at $z&gt;2$ in
cosmological simulations &amp; find that cold streams dominate.
</abstract></arXiv>
</metadata>
</record>`;

const RECORD_OLD = `<record>
<header>
 <identifier>oai:arXiv.org:astro-ph/0601001</identifier>
 <datestamp>2018-01-04</datestamp>
 <setSpec>physics:astro-ph</setSpec>
</header>
<metadata>
 ${ARXIV_OPEN}
 <id>astro-ph/0601001</id><created>2006-01-02</created><authors><author><keyname>Gould</keyname><forenames>Andrew</forenames></author><author><keyname>Dorsher</keyname><forenames>Susan</forenames></author></authors><title>Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit
  Surveys Toward the Galactic Bulge and Carina</title><categories>astro-ph</categories><abstract>  We derive the frequencies of hot Jupiters.
</abstract></arXiv>
</metadata>
</record>`;

const RECORD_DELETED = `<record>
<header status="deleted">
 <identifier>oai:arXiv.org:1801.00999</identifier>
 <datestamp>2018-01-03</datestamp>
 <setSpec>physics:astro-ph</setSpec>
</header>
</record>`;

function feedError(reason: FeedErrorReason, code: string | null, ...fragments: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof FeedError, `expected a FeedError, got ${String(e)}`);
    assert.equal(e.kind, 'badInput');
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.code, code);
    assert.ok(e.hint.length > 10);
    for (const f of fragments)
      assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} has ${f}`);
    return true;
  };
}

describe('parseOaiListRecords', () => {
  it('reads records, a deletion and the resumption token with its attributes', () => {
    const page = parseOaiListRecords(
      oai(`<ListRecords>
${RECORD_NEW}
${RECORD_DELETED}
${RECORD_OLD}
<resumptionToken cursor="0" completeListSize="12345">3870911|1001</resumptionToken>
</ListRecords>`),
    );
    assert.equal(page.resumptionToken, '3870911|1001');
    assert.equal(page.completeListSize, 12345);
    assert.equal(page.cursor, 0);
    assert.deepEqual(page.deletedIds, ['1801.00999']);
    assert.equal(page.papers.length, 2);
    assert.deepEqual(page.papers[0], {
      id: '1801.00855',
      version: null,
      title: 'Gas inflow onto galaxies at z > 2: a $\\Lambda$CDM view',
      abstract:
        'We study how gas reaches galaxies at $z>2$ in cosmological simulations & find that cold streams dominate.',
      authors: ['Jane A. Smith Jr', 'Luis García', 'The LSST Collaboration'],
      categories: ['astro-ph.GA', 'astro-ph.CO'],
      primaryCategory: 'astro-ph.GA',
      published: '2018-01-02',
      updated: '2018-02-01',
      doi: '10.1093/mnras/stx3300',
      journalRef: 'MNRAS 475, 1 (2018)',
      comment: '12 pages, 8 figures; accepted to MNRAS',
    });
    const old = page.papers[1]!;
    assert.equal(old.id, 'astro-ph/0601001');
    assert.equal(
      old.title,
      'Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina',
    );
    assert.deepEqual(old.authors, ['Andrew Gould', 'Susan Dorsher']);
    assert.equal(old.updated, '2006-01-02', 'updated falls back to created');
    assert.deepEqual([old.doi, old.journalRef, old.comment], [null, null, null]);
  });

  it('treats an empty resumption token as the end of the list', () => {
    const page = parseOaiListRecords(
      oai(`<ListRecords>
${RECORD_OLD}
<resumptionToken cursor="12000" completeListSize="12001"/>
</ListRecords>`),
    );
    assert.deepEqual(
      [page.resumptionToken, page.cursor, page.completeListSize, page.papers.length],
      [null, 12000, 12001, 1],
    );
    const spaced = parseOaiListRecords(
      oai(`<ListRecords>${RECORD_OLD}<resumptionToken cursor="1">  </resumptionToken></ListRecords>`),
    );
    assert.equal(spaced.resumptionToken, null);
    const none = parseOaiListRecords(oai(`<ListRecords>${RECORD_OLD}</ListRecords>`));
    assert.deepEqual([none.resumptionToken, none.cursor, none.completeListSize], [null, null, null]);
  });

  it('reads noRecordsMatch as an empty page, not an error', () => {
    const page = parseOaiListRecords(
      oai(
        '<error code="noRecordsMatch">The combination of the values of the from, until, set and metadataPrefix ' +
          'arguments results in an empty list.</error>',
      ),
    );
    assert.deepEqual(page, {
      papers: [],
      deletedIds: [],
      resumptionToken: null,
      completeListSize: null,
      cursor: null,
    });
  });

  it("reports badResumptionToken with its code, arXiv's message and the url", () => {
    const url = 'https://export.arxiv.org/oai2?verb=ListRecords&resumptionToken=3870911%7C1001';
    const xml = oai(
      '<error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired.</error>',
      '<request verb="ListRecords" resumptionToken="3870911|1001">http://export.arxiv.org/oai2</request>',
    );
    assert.throws(
      () => parseOaiListRecords(xml, { url }),
      feedError(
        'arxiv-error',
        'badResumptionToken',
        'badResumptionToken: The value of the resumptionToken argument is invalid or expired.',
        url,
      ),
    );
    assert.throws(
      () => parseOaiListRecords(xml),
      (e: unknown) => e instanceof FeedError && /restart the harvest/i.test(e.hint) && !e.retryable,
    );
  });

  for (const code of ['badArgument', 'cannotDisseminateFormat', 'noSetHierarchy', 'badVerb']) {
    it(`reports ${code}`, () => {
      assert.throws(
        () => parseOaiListRecords(oai(`<error code="${code}">Something about ${code}</error>`)),
        feedError('arxiv-error', code, `${code}: Something about ${code}`),
      );
    });
  }

  it('reports every error when there are several', () => {
    assert.throws(
      () =>
        parseOaiListRecords(
          oai('<error code="badArgument">Illegal set</error><error code="badArgument">Illegal date</error>'),
        ),
      feedError('arxiv-error', 'badArgument', 'Illegal set', 'Illegal date'),
    );
  });

  it('refuses records in another metadata format', () => {
    const dc = RECORD_OLD.replace(
      /<arXiv [^>]*>[\s\S]*<\/arXiv>/,
      '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/>',
    );
    assert.throws(
      () => parseOaiListRecords(oai(`<ListRecords>${dc}</ListRecords>`)),
      feedError('wrong-document', null, 'astro-ph/0601001', 'without arXiv-format metadata'),
    );
  });

  it('refuses documents that are not ListRecords responses', () => {
    assert.throws(
      () => parseOaiListRecords(oai('<Identify><repositoryName>arXiv</repositoryName></Identify>')),
      feedError('wrong-document', null, 'without <ListRecords>'),
    );
    assert.throws(
      () => parseOaiListRecords('<feed xmlns="http://www.w3.org/2005/Atom"/>'),
      feedError('wrong-document', null, 'root is <feed>'),
    );
    assert.throws(
      () => parseOaiListRecords('<html><body><h1>503 Service Unavailable</h1></body></html>', { url: 'U' }),
      feedError('wrong-document', null, 'from U', '"503 Service Unavailable"'),
    );
  });

  it('reports a truncated or empty body as malformed', () => {
    const full = oai(`<ListRecords>${RECORD_NEW}${RECORD_OLD}</ListRecords>`);
    assert.throws(
      () => parseOaiListRecords(full.slice(0, full.length / 2)),
      feedError('malformed', null, 'not well-formed XML (line'),
    );
    assert.throws(() => parseOaiListRecords(''), feedError('malformed', null, 'is empty'));
  });

  it('refuses a record whose id is not an arXiv id', () => {
    const bad = RECORD_OLD.replaceAll('astro-ph/0601001', 'nonsense');
    assert.throws(
      () => parseOaiListRecords(oai(`<ListRecords>${bad}</ListRecords>`)),
      feedError('malformed', null, '"nonsense"'),
    );
  });
});

describe('buildOaiListRecordsUrl', () => {
  const base = 'https://oaipmh.arxiv.org/oai';

  it('asks for a set and date range in arXiv format', () => {
    const url = new URL(
      buildOaiListRecordsUrl(base, { set: 'physics:astro-ph', from: '2024-01-01', until: '2024-01-31' }),
    );
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      verb: 'ListRecords',
      metadataPrefix: 'arXiv',
      set: 'physics:astro-ph',
      from: '2024-01-01',
      until: '2024-01-31',
    });
  });

  it('sends nothing but the verb with a resumption token', () => {
    const url = buildOaiListRecordsUrl(base, { resumptionToken: '3870911|1001' });
    assert.equal(url, 'https://oaipmh.arxiv.org/oai?verb=ListRecords&resumptionToken=3870911%7C1001');
  });

  it('leaves out what was not asked for', () => {
    const url = new URL(buildOaiListRecordsUrl(base, { set: undefined, from: '2024-02-29' }));
    assert.deepEqual([...url.searchParams.keys()], ['verb', 'metadataPrefix', 'from']);
  });

  it('refuses bad dates, sets, tokens and base URLs', () => {
    const usage = (pattern: RegExp) => (e: unknown) =>
      e instanceof MiniAstroError && e.kind === 'usage' && pattern.test(e.message);
    assert.throws(() => buildOaiListRecordsUrl(base, { from: '2024-02-30' }), usage(/from "2024-02-30"/));
    assert.throws(() => buildOaiListRecordsUrl(base, { until: '2024/01/01' }), usage(/until/));
    assert.throws(
      () => buildOaiListRecordsUrl(base, { from: '2024-02-01', until: '2024-01-01' }),
      usage(/after/),
    );
    assert.throws(() => buildOaiListRecordsUrl(base, { set: 'astro ph' }), usage(/set/));
    assert.throws(() => buildOaiListRecordsUrl(base, { resumptionToken: ' ' }), usage(/empty/));
    assert.throws(() => buildOaiListRecordsUrl(`${base}?verb=Identify`, {}), usage(/without a query/));
  });
});
