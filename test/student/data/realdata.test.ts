// The seed's 1000 accepted rows under the shipped template: token length statistics, truncation counts at 1024
// and 512, HF-equivalent prompt ids, and the masking invariants on every row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildExamples,
  lengthStats,
  overLength,
  renderPrompt,
  rowLengths,
  supervisedCount,
} from '../../../src/student/data';
import { needRealdata } from '../../helpers/realdata';
import { options, seedRows, shippedFormat } from './fixtures';

test('token lengths of the seed rows, and what maxSeqLen 1024 and 512 would cut', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_train.jsonl');
  if (file === null) return;
  const rows = seedRows(file);
  assert.equal(rows.length, 1000);
  const format = shippedFormat();
  const lengths = rows.map((r) => rowLengths(format, r));
  const stats = lengthStats(lengths);
  const over1024 = overLength(lengths, 1024);
  const over512 = overLength(lengths, 512);
  const at512 = buildExamples(format, rows, { ...options, maxSeqLen: 512, onTooLong: 'skip' });
  const report = {
    template: format.template.name,
    fixedTemplateTokens: format.fixedTokens,
    ...stats,
    needTruncation: { at1024: over1024, at512: over512 },
    at512: { truncated: at512.truncated, rejected: at512.rejected.length },
    targetsOver320WithEos: lengths.filter((l) => l.target + 1 > 320).length,
  };
  t.diagnostic(JSON.stringify(report));
  assert.equal(over1024, 0, 'every seed row fits GPT-2 context whole');
  assert.equal(at512.truncated + at512.rejected.length, over512);
  for (const e of at512.examples) {
    assert.ok(e.inputIds.length <= 512);
    assert.equal(supervisedCount(e.labels), e.targetTokens + 1, `${e.id}: target intact`);
  }
});

test('every seed row: mask invariants, decode round-trip, and ids equal one-call tokenization (HF)', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_train.jsonl');
  if (file === null) return;
  const rows = seedRows(file);
  const format = shippedFormat();
  const tok = format.tokenizer;
  const { examples, truncated } = buildExamples(format, rows, options);
  assert.equal(examples.length, 1000);
  assert.equal(truncated, 0);
  examples.forEach((e, i) => {
    const r = rows[i]!;
    const prompt = renderPrompt(format.template, r.abstract);
    const target = r.target_explanation.trim();
    assert.equal(supervisedCount(e.labels), e.targetTokens + 1);
    assert.ok(e.labels.subarray(0, e.promptTokens).every((l) => l === -100));
    assert.equal(tok.decode(e.inputIds), `${prompt}${target}<|endoftext|>`, e.id);
    // Another framework tokenizing prompt + target in one call gets our ids (then appends EOS).
    assert.deepEqual([...e.inputIds.subarray(0, -1)], tok.encode(prompt + target), e.id);
    assert.deepEqual([...e.inputIds.subarray(0, e.promptTokens)], format.promptIds(r.abstract).ids, e.id);
  });
});
