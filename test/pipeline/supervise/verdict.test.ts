import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseVerdict, verdictShortfalls } from '../../../src/pipeline/supervise/verdict';
import { needRealdata } from '../../helpers/realdata';

const good = {
  id: '2501.90001',
  scores: { faithfulness: 5, clarity: 4, jargon: 3, structure: 4, uncertainty: 2, overall: 82 },
  error_tags: [],
  rationale: 'Faithful and clear.',
  rewrite_hint: '',
};

test('a well-formed verdict parses and clears the default thresholds', () => {
  const r = parseVerdict(good, '2501.90001');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.verdict?.scores, good.scores);
  assert.deepEqual(verdictShortfalls(r.verdict!), []);
  const low = parseVerdict(
    { ...good, scores: { ...good.scores, faithfulness: 3, overall: 55 } },
    '2501.90001',
  );
  assert.deepEqual(verdictShortfalls(low.verdict!), ['judge faithfulness 3 < 4', 'judge overall 55 < 60']);
});

test('lenient readings are stated, out-of-range scores are rejected, nothing becomes a silent zero', () => {
  const lenient = parseVerdict(
    {
      ...good,
      scores: {
        faithfulness: '5.0 (Excellent)',
        clarity: 4.5,
        jargon: '3/5',
        structure: '8/10',
        uncertainty: 2,
        overall: '75%',
      },
    },
    '2501.90001',
  );
  assert.deepEqual(lenient.errors, []);
  assert.deepEqual(lenient.verdict?.scores, {
    faithfulness: 5,
    clarity: 4,
    jargon: 3,
    structure: 4,
    uncertainty: 2,
    overall: 75,
  });
  assert.ok(lenient.notes.some((n) => /clarity 4.5 rounded down to 4/.test(n)));
  assert.ok(lenient.notes.some((n) => /structure "8\/10" rescaled/.test(n)));

  const bad = parseVerdict(
    { ...good, scores: { ...good.scores, faithfulness: '7.5', clarity: 'great', overall: undefined } },
    '2501.90001',
  );
  assert.equal(bad.verdict, null);
  assert.deepEqual(bad.errors, [
    'faithfulness 7.5 is outside 0–5',
    'clarity "great" is not a number',
    'overall is missing',
  ]);
  assert.deepEqual(parseVerdict('yes', 'x').errors, ['the verdict is not a JSON object']);
  assert.match(parseVerdict({ ...good, id: '2501.99999' }, '2501.90001').errors[0]!, /does not match/);
});

test('tags are normalised to the closed list; unknown ones are noted, not kept', () => {
  const r = parseVerdict(
    { ...good, error_tags: ['Hallucination', 'generic filler', 'made_up_tag'] },
    '2501.90001',
  );
  assert.deepEqual(r.verdict?.error_tags, ['hallucination', 'generic_filler']);
  assert.match(r.notes.join(' '), /made_up_tag/);
});

test("every verdict the seed project's judge wrote parses, and our thresholds agree with its acceptances", (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'judge_v1_results.jsonl');
  if (!file) return;
  let parsed = 0;
  let agree = 0;
  let withJudge = 0;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const row = JSON.parse(line) as {
      id: string;
      judge: Record<string, unknown> | null;
      accepted: boolean;
      errors: unknown[];
    };
    if (!row.judge) continue;
    withJudge++;
    const r = parseVerdict(row.judge, row.id);
    assert.deepEqual(r.errors, [], `${row.id}: ${r.errors.join('; ')}`);
    parsed++;
    // The seed also rejected on its own rationale-length rules (row.errors); compare on judge scores alone.
    if (row.errors.length === 0 && (verdictShortfalls(r.verdict!).length === 0) === row.accepted) agree++;
  }
  t.diagnostic(`parsed ${parsed}/${withJudge} seed verdicts; threshold agreement ${agree}`);
  assert.equal(parsed, withJudge);
  assert.ok(withJudge > 3000);
});
