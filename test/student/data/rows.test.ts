// Curated JSONL validation: every bad row named by line number; 'error' refuses, 'skip' reports.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MiniAstroError } from '../../../src/core/errors';
import { parseCuratedJsonl, readCuratedJsonl } from '../../../src/student/data';
import { tempDir } from '../../helpers/tmp';
import { curatedLine } from './fixtures';

const text = [
  curatedLine({ id: 'a' }), // 1
  '', // 2: blank lines are fine
  '{"id": "b", "abstract": ', // 3: broken JSON
  curatedLine({ id: 'c', accepted: false }), // 4
  curatedLine({ id: 'd', target_explanation: '  ' }), // 5
  curatedLine({ id: 42, abstract: 7 }), // 6
  '[1, 2]', // 7
  curatedLine({ id: 'a' }), // 8: duplicate
  curatedLine({ id: 'e', judge_feedback: { overall: 80 }, extra: 'kept out' }), // 9
  '',
].join('\n');

test('skip: good rows kept in order, every bad row reported with its line number and reason', () => {
  const result = parseCuratedJsonl(text, 'train.jsonl', 'skip');
  assert.deepEqual(
    result.rows.map((r) => [r.id, r.line]),
    [
      ['a', 1],
      ['e', 9],
    ],
  );
  assert.deepEqual(
    result.bad.map((b) => b.line),
    [3, 4, 5, 6, 7, 8],
  );
  const reason = (line: number) => result.bad.find((b) => b.line === line)?.reason ?? '';
  assert.match(reason(3), /not valid JSON/);
  assert.match(reason(4), /accepted: expected true; got false/);
  assert.match(reason(5), /target_explanation: expected a non-empty string; got " {2}"/);
  assert.match(
    reason(6),
    /id: expected a non-empty string; got 42; abstract: expected a non-empty string; got 7/,
  );
  assert.match(reason(7), /expected a JSON object; got \[1,2\]/);
  assert.match(reason(8), /duplicate id a \(first on line 1\)/);
  assert.equal(result.bad.find((b) => b.line === 4)?.id, 'c');
});

test('error: one message listing every bad line', () => {
  assert.throws(
    () => parseCuratedJsonl(text, 'train.jsonl', 'error'),
    (error: Error) =>
      error.message.startsWith('train.jsonl: 6 bad row(s):') &&
      [3, 4, 5, 6, 7, 8].every((n) => error.message.includes(`line ${n}: `)),
  );
});

test('long lists are capped; a file with no usable row or no file at all is an error', (t) => {
  const many = Array.from({ length: 15 }, () => '{').join('\n');
  assert.throws(() => parseCuratedJsonl(many, 'f.jsonl', 'error'), /line 10: [\s\S]*\.\.\. and 5 more/);
  assert.throws(() => parseCuratedJsonl(many, 'f.jsonl', 'skip'), /f\.jsonl: no usable rows/);
  const file = path.join(tempDir(t), 'rows.jsonl');
  writeFileSync(file, `\uFEFF${curatedLine({ id: 'bom' })}\r\n${curatedLine({ id: 'crlf' })}\r\n`);
  assert.deepEqual(
    readCuratedJsonl(file, 'error').rows.map((r) => r.id),
    ['bom', 'crlf'],
  );
  assert.throws(() => readCuratedJsonl(path.join(path.dirname(file), 'none.jsonl'), 'error'), /Cannot read/);
});

test('a Latin-1 training file is refused by line and byte, even with data.onBadRow: skip', (t) => {
  const file = path.join(tempDir(t), 'latin1.jsonl');
  const rows = [curatedLine({ id: 'ok' }), curatedLine({ id: 'cafe', abstract: 'Café-au-lait spots.' })];
  writeFileSync(file, Buffer.from(`${rows.join('\n')}\n`, 'latin1'));
  for (const onBadRow of ['error', 'skip'] as const) {
    assert.throws(
      () => readCuratedJsonl(file, onBadRow),
      (e: unknown) =>
        e instanceof MiniAstroError &&
        e.exitCode === 3 &&
        /latin1\.jsonl is not UTF-8: line 2, column \d+ has the byte 0xE9/.test(e.message),
    );
  }
});
