// Our ids must equal js-tiktoken's GPT-2 ids on every real abstract, title and teacher explanation we train on.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  defaultTokenizer,
  Gpt2Tokenizer,
  readTokenizerSpec,
  shippedGpt2Files,
} from '../../../src/student/tokenizer';
import { needRealdata } from '../../helpers/realdata';
import { tiktokenIds } from './reference';

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function stringField(row: Record<string, unknown>, key: string, file: string): string {
  const v = row[key];
  assert.equal(typeof v, 'string', `${file}: row ${String(row['id'])} has no string "${key}"`);
  return v as string;
}

/** Every text field we tokenize, labelled for failure messages. */
function realTexts(t: Parameters<typeof needRealdata>[0]): { label: string; text: string }[] | null {
  const val = needRealdata(t, 'abstracts', 'miniastrogpt_val_data.jsonl');
  const straw = needRealdata(t, 'abstracts', 'straw674_daily_astro-ph_2025-05-27.jsonl');
  const teacher = needRealdata(t, 'miniastrogpt', 'teacher_v1_train.jsonl');
  if (val === null || straw === null || teacher === null) return null;
  const texts: { label: string; text: string }[] = [];
  for (const row of readJsonl(val)) {
    texts.push({ label: `val ${String(row['id'])} abstract`, text: stringField(row, 'abstract', val) });
    texts.push({ label: `val ${String(row['id'])} title`, text: stringField(row, 'title', val) });
  }
  // Second schema: `summary`, with arXiv's hard line breaks kept.
  for (const row of readJsonl(straw)) {
    texts.push({ label: `straw ${String(row['id'])} summary`, text: stringField(row, 'summary', straw) });
    texts.push({ label: `straw ${String(row['id'])} title`, text: stringField(row, 'title', straw) });
  }
  for (const row of readJsonl(teacher)) {
    const output = row['output'] as Record<string, unknown>;
    texts.push({
      label: `teacher ${String(row['id'])} explanation`,
      text: stringField(output, 'explanation', teacher),
    });
    texts.push({ label: `teacher ${String(row['id'])} input`, text: stringField(row, 'input', teacher) });
  }
  return texts;
}

test('ids equal js-tiktoken gpt2 on every real abstract, title and explanation; decode round-trips', (t) => {
  const texts = realTexts(t);
  if (texts === null) return;
  assert.ok(texts.length >= 2 * (687 + 26 + 1000), `expected all rows, got ${texts.length}`);
  const tok = defaultTokenizer();
  let tokens = 0;
  for (const { label, text } of texts) {
    const ids = tok.encode(text);
    assert.deepEqual(ids, tiktokenIds(text), label);
    assert.equal(tok.decode(ids), text, `${label}: decode(encode(x)) !== x`);
    tokens += ids.length;
  }
  t.diagnostic(`${texts.length} texts, ${tokens} tokens, all equal to js-tiktoken`);
});

test('encoding all real abstracts: a fresh and a warm pass (tokens/s reported)', (t) => {
  const texts = realTexts(t)?.filter((x) => x.label.endsWith('abstract') || x.label.endsWith('summary'));
  if (texts === undefined) return;
  // Fresh tokenizer so the first pass pays for every cache miss, as a new process would.
  const tok = new Gpt2Tokenizer(readTokenizerSpec(shippedGpt2Files()));
  const pass = () => {
    const start = performance.now();
    let n = 0;
    for (const { text } of texts) n += tok.encode(text).length;
    return { n, ms: performance.now() - start };
  };
  const cold = pass();
  const warm = pass();
  const rate = (p: { n: number; ms: number }) => Math.round((p.n / p.ms) * 1000).toLocaleString('en');
  t.diagnostic(
    `${texts.length} abstracts, ${cold.n} tokens: cold ${cold.ms.toFixed(1)} ms (${rate(cold)} tok/s), ` +
      `warm ${warm.ms.toFixed(1)} ms (${rate(warm)} tok/s)`,
  );
  assert.equal(texts.length, 687 + 26);
  assert.equal(warm.n, cold.n, 'the cache gives the same tokens');
});
