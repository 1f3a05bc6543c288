/**
 * Imports that used to succeed silently: text that is not UTF-8, files with nothing in them, Atom entries without
 * abstracts, dates that are not dates, numeric ids, abstracts the size of a book, and a truncated saved feed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { systemClock } from '../../../src/core/clock';
import { MiniAstroError } from '../../../src/core/errors';
import { importAbstractsFile } from '../../../src/pipeline/ingest/importFile';
import { openDatabase } from '../../../src/pipeline/store/database';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { atomFeed, syntheticPapers } from '../../helpers/feeds';
import { tempDir } from '../../helpers/tmp';

function setup(t: TestContext) {
  const dir = tempDir(t);
  const db = openDatabase(path.join(dir, 'astro.db'));
  t.after(() => db.close());
  const file = (name: string, content: string | Buffer) => {
    const target = path.join(dir, name);
    writeFileSync(target, content);
    return target;
  };
  return { dir, db, file, papers: new PaperStore(db), deps: { db, clock: systemClock } };
}

function badInput(pattern: RegExp, hint?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof MiniAstroError, String(e));
    assert.equal(e.exitCode, 3);
    assert.match(e.message, pattern);
    if (hint) assert.match(e.hint, hint);
    return true;
  };
}

const record = (id: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ id, title: `Title ${id}`, abstract: 'Magnetic braking spins down stars.', ...fields });

test('Latin-1 and Windows-1252 JSONL are refused by file, line and byte; nothing stored, no U+FFFD', async (t) => {
  const { file, papers, deps } = setup(t);
  const latin1 = file(
    'latin1.jsonl',
    Buffer.from(`${record('2501.00001')}\n${record('2501.00002', { title: 'Café au lait' })}\n`, 'latin1'),
  );
  await assert.rejects(
    importAbstractsFile(latin1, deps),
    badInput(/latin1\.jsonl is not UTF-8: line 2, column \d+ has the byte 0xE9 \(".*Caf\\xE9/, /iconv/),
  );
  const cp1252 = file(
    'cp1252.jsonl',
    Buffer.concat([
      Buffer.from(record('2501.00003', { title: 'A ' }).replace('A "', 'A \x93q\x94"'), 'latin1'),
    ]),
  );
  await assert.rejects(importAbstractsFile(cp1252, deps), badInput(/line 1.*0x93.*Windows-1252/));
  assert.equal(papers.count(), 0);
  // A byte-order mark says which encoding it is: UTF-8 and UTF-16 with one are read, letters intact.
  const bom8 = file('bom8.jsonl', Buffer.from(`\uFEFF${record('2501.00004', { title: 'Café' })}\n`, 'utf8'));
  const bom16 = file(
    'bom16.jsonl',
    Buffer.from(`\uFEFF${record('2501.00005', { title: 'Ångström' })}\n`, 'utf16le'),
  );
  await importAbstractsFile(bom8, deps);
  await importAbstractsFile(bom16, deps);
  assert.equal(papers.get('2501.00004')?.title, 'Café');
  assert.equal(papers.get('2501.00005')?.title, 'Ångström');
  const nobom16 = file('nobom16.jsonl', Buffer.from(record('2501.00006'), 'utf16le'));
  await assert.rejects(importAbstractsFile(nobom16, deps), badInput(/is not text: line 1 holds a NUL byte/));
});

test('an Atom file is decoded by the encoding its XML declaration names', async (t) => {
  const { file, papers, deps } = setup(t);
  const [paper] = syntheticPapers(1);
  const xml = atomFeed([{ ...paper!, abstract: 'Café-au-lait spots on a pulsar.' }], {
    total: 1,
    start: 0,
    itemsPerPage: 1,
  });
  const declared = file(
    'latin1.xml',
    Buffer.from(xml.replace("encoding='UTF-8'", "encoding='ISO-8859-1'"), 'latin1'),
  );
  await importAbstractsFile(declared, deps);
  assert.equal(papers.get(paper!.id)?.abstract, 'Café-au-lait spots on a pulsar.');
  // The same bytes under a declaration of UTF-8 are not UTF-8.
  const lying = file('lying.xml', Buffer.from(xml, 'latin1'));
  await assert.rejects(
    importAbstractsFile(lying, deps),
    badInput(/lying\.xml is not UTF-8: line \d+.*although it declares UTF-8/),
  );
});

test('empty, blank, [], /dev/null and an Atom feed without entries all say nothing was found, exit 3 like all-bad lines', async (t) => {
  const { file, deps, papers } = setup(t);
  const cases: [string, RegExp][] = [
    [file('empty.jsonl', ''), /empty\.jsonl is empty: there is nothing to import/],
    [file('blank.jsonl', '  \n\n\t\n'), /blank\.jsonl is empty/],
    [file('array.json', ' [ ] '), /array\.json holds an empty JSON array: there is nothing to import/],
    ['/dev/null', /\/dev\/null is empty/],
    [
      file('none.xml', atomFeed([], { total: 0, start: 0, itemsPerPage: 0 })),
      /is an Atom feed with no entries/,
    ],
    [file('bad.jsonl', '{"x": 1}\n{"y": 2}\n'), /No usable record in .*bad\.jsonl: missing "id" \(line 1\)/],
  ];
  for (const [target, pattern] of cases)
    await assert.rejects(importAbstractsFile(target, deps), badInput(pattern));
  assert.equal(papers.count(), 0);
});

test('Atom entries with empty abstracts and records with impossible dates are skipped by line, as JSONL ones are', async (t) => {
  const { file, deps, papers } = setup(t);
  const [a, b, c] = syntheticPapers(3);
  const xml = atomFeed([a!, { ...b!, abstract: '   ' }, { ...c!, published: '2025-13-45' }], {
    total: 3,
    start: 0,
    itemsPerPage: 3,
  });
  const result = await importAbstractsFile(file('feed.xml', xml), deps);
  assert.equal(result.imported, 1);
  assert.deepEqual(
    result.problems.map((p) => p.reason.replace(/:.*/, '')),
    [b!.id, c!.id],
  );
  assert.match(result.problems[0]!.reason, /empty abstract/);
  assert.match(result.problems[1]!.reason, /"published" "2025-13-45" is not a date/);
  assert.ok(result.problems[0]!.line > 1 && result.problems[1]!.line > result.problems[0]!.line);
  assert.equal(papers.count(), 1);

  const jsonl = [
    record('2502.00001', { published: 'not a date' }),
    record('2502.00002', { updated: '2025-02-30' }),
    record('2502.00003', { published: '2025-02-28', updated: '2025-03-01T12:30:00Z' }),
  ].join('\n');
  const mixed = await importAbstractsFile(file('dates.jsonl', jsonl), deps);
  assert.deepEqual(
    mixed.problems.map((p) => [p.line, /is not a date/.test(p.reason)]),
    [
      [1, true],
      [2, true],
    ],
  );
  assert.equal(papers.get('2502.00003')?.published, '2025-02-28');
  assert.equal(papers.get('2502.00001'), undefined);
});

test('a numeric id is named as a number, not reported missing', async (t) => {
  const { file, deps } = setup(t);
  const target = file('numeric.jsonl', '{"id": 2501.01230, "title": "T", "abstract": "A b c."}\n');
  await assert.rejects(
    importAbstractsFile(target, deps),
    badInput(/"id" is the number 2501\.0123; arXiv ids must be JSON strings/),
  );
});

test('an abstract over ingest.maxAbstractChars is refused with the limit and where it is set', async (t) => {
  const { file, deps, papers } = setup(t);
  const huge = 'A full text pasted as an abstract. '.repeat(200_000); // 7 MB, trailing space trimmed
  const target = file('huge.jsonl', `${record('2501.00007', { abstract: huge })}\n${record('2501.00008')}\n`);
  const result = await importAbstractsFile(target, { ...deps, limits: { maxAbstractChars: 20_000 } });
  assert.equal(result.imported, 1);
  assert.match(
    result.problems[0]!.reason,
    /2501\.00007: abstract of 6,999,999 characters is over the limit of 20,000 \(ingest\.maxAbstractChars/,
  );
  assert.equal(papers.get('2501.00007'), undefined);
});

test('a truncated saved feed is reported as an incomplete file, not as a transfer to retry', async (t) => {
  const { file, deps } = setup(t);
  const xml = atomFeed(syntheticPapers(3), { total: 3, start: 0, itemsPerPage: 3 });
  const target = file('saved.xml', xml.slice(0, Math.floor(xml.length * 0.6)));
  await assert.rejects(importAbstractsFile(target, deps), (e: unknown) => {
    badInput(/The file .*saved\.xml is not well-formed XML.*The file ends there, before the feed is closed/)(
      e,
    );
    const error = e as MiniAstroError;
    assert.doesNotMatch(`${error.message} ${error.hint}`, /retry|in transit|arXiv may be having trouble/i);
    assert.match(error.hint, /save the arXiv response again/);
    return true;
  });
});

test('an interrupt between two transactions stops the import and keeps what was stored', async (t) => {
  const { file, deps, papers } = setup(t);
  const ids = Array.from({ length: 2500 }, (_, i) => `2501.${String(10000 + i)}`);
  const target = file('many.jsonl', `${ids.map((id) => record(id)).join('\n')}\n`);
  const controller = new AbortController();
  await assert.rejects(
    importAbstractsFile(target, {
      ...deps,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'page') controller.abort(new Error('interrupted by SIGINT'));
      },
    }),
    /interrupted by SIGINT/,
  );
  assert.equal(papers.count(), 1000);
});
