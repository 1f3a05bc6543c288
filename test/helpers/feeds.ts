/**
 * Builders for feeds in arXiv's current output style (Atom for the API, OAI-PMH ListRecords with the arXiv
 * metadata format), from synthetic papers the tests make up. Recorded real feeds are read from ../shared instead.
 */
import type { Paper } from '../../src/pipeline/arxiv/types';

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Deterministic made-up papers: ids 2501.9NNNN (numbers arXiv has not reached that month). */
export function syntheticPapers(count: number, prefix = '2501'): Paper[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(90000 + i).padStart(5, '0');
    const day = String(1 + (i % 28)).padStart(2, '0');
    return {
      id: `${prefix}.${n}`,
      version: 1 + (i % 3),
      title: `Synthetic study ${i} of accretion & outflows in compact binaries`,
      abstract: `Paper ${i}: we model how angular momentum transport in a thin disc sets the accretion rate onto a neutron star, and how radiation pressure launches winds at $L \\sim 10^{38}$ erg s$^{-1}$.`,
      authors: [`A. Author${i}`, 'B. Coauthor'],
      categories: i % 2 === 0 ? ['astro-ph.HE', 'astro-ph.SR'] : ['astro-ph.GA'],
      primaryCategory: i % 2 === 0 ? 'astro-ph.HE' : 'astro-ph.GA',
      published: `2025-01-${day}T18:00:00Z`,
      updated: `2025-02-${day}T12:00:00Z`,
      doi: null,
      journalRef: null,
      comment: i % 5 === 0 ? '12 pages, 4 figures' : null,
    };
  });
}

export function atomEntry(p: Paper): string {
  const v = p.version ? `v${p.version}` : '';
  return `  <entry>
    <id>http://arxiv.org/abs/${p.id}${v}</id>
    <title>${xmlEscape(p.title)}</title>
    <updated>${p.updated ?? ''}</updated>
    <link href="https://arxiv.org/abs/${p.id}${v}" rel="alternate" type="text/html"/>
    <summary>${xmlEscape(p.abstract)}</summary>
${p.categories.map((c) => `    <category term="${c}" scheme="http://arxiv.org/schemas/atom"/>`).join('\n')}
    <published>${p.published ?? ''}</published>
${p.comment ? `    <arxiv:comment>${xmlEscape(p.comment)}</arxiv:comment>\n` : ''}    <arxiv:primary_category term="${p.primaryCategory ?? ''}"/>
${p.authors.map((a) => `    <author>\n      <name>${xmlEscape(a)}</name>\n    </author>`).join('\n')}
  </entry>`;
}

export function atomFeed(
  entries: readonly Paper[],
  page: { total: number; start: number; itemsPerPage: number },
): string {
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/synthetic</id>
  <title>arXiv Query: synthetic</title>
  <updated>2026-01-01T00:00:00Z</updated>
  <opensearch:itemsPerPage>${page.itemsPerPage}</opensearch:itemsPerPage>
  <opensearch:totalResults>${page.total}</opensearch:totalResults>
  <opensearch:startIndex>${page.start}</opensearch:startIndex>
${entries.map(atomEntry).join('\n')}
</feed>
`;
}

export function oaiListRecords(
  papers: readonly Paper[],
  page: { token: string | null; cursor: number; completeListSize: number; deletedIds?: string[] },
): string {
  const records = papers.map(
    (p) => `  <record>
    <header><identifier>oai:arXiv.org:${p.id}</identifier><datestamp>${(p.updated ?? '').slice(0, 10)}</datestamp><setSpec>physics:astro-ph</setSpec></header>
    <metadata>
      <arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
        <id>${p.id}</id><created>${(p.published ?? '').slice(0, 10)}</created><updated>${(p.updated ?? '').slice(0, 10)}</updated>
        <authors>${p.authors
          .map((a) => {
            const [fore, ...rest] = a.split(' ');
            return `<author><keyname>${xmlEscape(rest.join(' '))}</keyname><forenames>${xmlEscape(fore ?? '')}</forenames></author>`;
          })
          .join('')}</authors>
        <title>${xmlEscape(p.title)}</title>
        <categories>${p.categories.join(' ')}</categories>
        <license>http://creativecommons.org/licenses/by/4.0/</license>
        <abstract>  ${xmlEscape(p.abstract)}
</abstract>
      </arXiv>
    </metadata>
  </record>`,
  );
  const deleted = (page.deletedIds ?? []).map(
    (id) =>
      `  <record><header status="deleted"><identifier>oai:arXiv.org:${id}</identifier><datestamp>2025-03-01</datestamp></header></record>`,
  );
  const token =
    page.token === null
      ? `<resumptionToken cursor="${page.cursor}" completeListSize="${page.completeListSize}"/>`
      : `<resumptionToken cursor="${page.cursor}" completeListSize="${page.completeListSize}">${xmlEscape(page.token)}</resumptionToken>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<responseDate>2026-01-01T00:00:00Z</responseDate>
<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>
<ListRecords>
${[...records, ...deleted].join('\n')}
${token}
</ListRecords>
</OAI-PMH>
`;
}
