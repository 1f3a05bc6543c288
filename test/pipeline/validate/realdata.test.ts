// The validators against the seed project's real teacher output: 1000 accepted rows and 655 rejected last responses.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { type RuleName, ruleNames, type ValidationInput } from '../../../src/pipeline/validate/types';
import { type ValidationResult, validateExplanation } from '../../../src/pipeline/validate/validate';
import { needRealdata } from '../../helpers/realdata';
import { readAccepted, readRejected } from './seedRows';

function passRates(results: ValidationResult[]): Record<RuleName | 'all', number> {
  const rate = (ok: (r: ValidationResult) => boolean): number => results.filter(ok).length / results.length;
  const rates = { all: rate((r) => r.ok) } as Record<RuleName | 'all', number>;
  for (const name of ruleNames) rates[name] = rate((r) => r.byRule[name]);
  return rates;
}

function report(t: TestContext, label: string, rates: Record<string, number>): void {
  const line = Object.entries(rates)
    .map(([k, v]) => `${k}=${v.toFixed(3)}`)
    .join(' ');
  t.diagnostic(`${label}: ${line}`);
  console.log(`[validate] ${label} pass rates: ${line}`);
}

function inBand(value: number, lo: number, hi: number, what: string): void {
  assert.ok(value >= lo && value <= hi, `${what}: ${value.toFixed(3)} outside [${lo}, ${hi}]`);
}

test('accepted seed rows: per-rule pass rates (and how long 1000 rows take, reported)', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_train.jsonl');
  if (!file) return;
  const rows = readAccepted(file);
  assert.equal(rows.length, 1000);
  const inputs: ValidationInput[] = rows.map((r) => ({
    id: r.outputId,
    expectedId: r.id,
    abstract: r.abstract,
    explanation: r.explanation,
  }));
  for (const i of inputs.slice(0, 100)) validateExplanation(i); // warm the JIT and the compiled patterns
  const start = performance.now();
  const results = inputs.map((i) => validateExplanation(i));
  const ms = performance.now() - start;
  t.diagnostic(`validated ${inputs.length} rows in ${ms.toFixed(0)} ms`);
  // Reported, not asserted: speed targets live in benchmarks (a loaded CI machine made this flaky).

  const rates = passRates(results);
  report(t, 'accepted (1000)', rates);
  const withoutEscapes = results.filter((r) =>
    r.errors.every((e) => e.rule !== 'format' || e.code === 'literal_escape'),
  );
  t.diagnostic(
    `accepted: format ignoring literal "\\n" escapes=${(withoutEscapes.length / results.length).toFixed(3)}`,
  );

  // Bands around what was measured (in brackets), wide enough for rule tuning, tight enough to catch a broken rule.
  assert.equal(rates.id_match, 1);
  // [0.360] The seed accepted 121–222-word explanations (median 171); our contract starts at 180.
  inBand(rates.word_range, 0.25, 0.5, 'word_range');
  // [1.000] Every accepted row has 4 paragraphs (265 of them through literal "\n\n" escapes).
  inBand(rates.paragraphs, 0.97, 1, 'paragraphs');
  // [0.705] The 265 escaped rows fail format; [0.959] of rows have no other format problem.
  inBand(rates.format, 0.6, 0.8, 'format');
  inBand(withoutEscapes.length / results.length, 0.93, 1, 'format without literal escapes');
  // [0.958] The seed did not ban "this study", "the authors", "this work".
  inBand(rates.banned_phrases, 0.93, 1, 'banned_phrases');
  // [0.856] Runs of 13+ copied words (the seed allowed up to 19).
  inBand(rates.copy_overlap, 0.78, 0.93, 'copy_overlap');
  // [0.999] The seed's own number rule was stricter than ours.
  inBand(rates.new_numbers, 0.98, 1, 'new_numbers');
});

/** How the seed's messages map to our rules. */
const seedCategories: { pattern: RegExp; rule: RuleName; minAgreement: number }[] = [
  { pattern: /^Expected exactly 4 paragraphs; found \d+/, rule: 'paragraphs', minAgreement: 0.95 },
  { pattern: /^Response too short: \d+ characters/, rule: 'word_range', minAgreement: 0.95 },
  // The seed split "9.7" and "HARPS-N/TNG" into several words, so a few of its 221–229-word counts are ≤ 220 here.
  { pattern: /^Response too long: \d+ words/, rule: 'word_range', minAgreement: 0.85 },
  { pattern: /^Likely copied from abstract/, rule: 'copy_overlap', minAgreement: 0.98 },
  { pattern: /^Banned phrase found/, rule: 'banned_phrases', minAgreement: 0.95 },
];

test('rejected seed rows: the defects the seed flagged are flagged by the matching rule', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_rejected.jsonl');
  if (!file) return;
  const rows = readRejected(file);
  assert.equal(rows.length, 655);
  const checked = rows.filter((r) => r.lastExplanation !== null);
  assert.ok(checked.length >= 650, `${checked.length} rows have a readable last response`);
  const results = checked.map((r) =>
    validateExplanation({
      id: r.lastId ?? '',
      expectedId: r.id,
      abstract: r.abstract,
      explanation: r.lastExplanation ?? '',
    }),
  );
  report(t, `rejected (${checked.length})`, passRates(results));

  for (const { pattern, rule, minAgreement } of seedCategories) {
    const flagged = checked.flatMap((r, i) =>
      r.seedErrors.some((e) => pattern.test(e)) ? [results[i]] : [],
    );
    const agree = flagged.filter((res) => res && !res.byRule[rule]).length;
    const share = agree / flagged.length;
    t.diagnostic(
      `seed "${pattern.source}" (${flagged.length} rows): ${rule} also fails in ${agree} (${share.toFixed(3)})`,
    );
    assert.ok(flagged.length > 0, pattern.source);
    assert.ok(
      share >= minAgreement,
      `${rule} agrees with the seed on ${share.toFixed(3)} of ${pattern.source}`,
    );
  }

  // The seed's paragraph counts and ours agree exactly.
  for (const [i, r] of checked.entries()) {
    const m = r.seedErrors
      .map((e) => /^Expected exactly 4 paragraphs; found (\d+)/.exec(e))
      .find((x) => x !== null);
    if (!m) continue;
    const ours = results[i]?.errors.find((e) => e.code === 'paragraph_count');
    assert.equal(ours?.message, `Expected 4 paragraphs; found ${m[1]}`, r.id);
  }
});

test('rejected seed rows: numbers the seed flagged — new ones caught, its tokenising artefacts not', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_rejected.jsonl');
  if (!file) return;
  const prefix = 'Numeric tokens not in abstract: ';
  const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Each row the seed flagged, by what its tokens are in the abstract's raw text:
  // verbatim — every token is there as written (the seed kept sentence-final dots and signs: "1275." against
  //   "NGC 1275", "5.6%" against "5.6 percent"), so the seed's flag was an artefact;
  // rounded — the rest are there with more decimals ("22" against "22.0064");
  // absent — some token is not there at all.
  const tally = {
    verbatim: { rows: 0, failed: 0 },
    rounded: { rows: 0, failed: 0 },
    absent: { rows: 0, failed: 0 },
  };
  for (const r of readRejected(file)) {
    const seed = r.seedErrors.find((e) => e.startsWith(prefix));
    if (!seed || r.lastExplanation === null) continue;
    const tokens = seed
      .slice(prefix.length)
      .split(', ')
      .map((tok) => escapeRe(tok.replace(/^[+-]/, '').replace(/[.%]$/, '')));
    const verbatim = (tok: string): boolean => new RegExp(`(?<![\\d.])${tok}(?!\\d|\\.\\d)`).test(r.abstract);
    const longer = (tok: string): boolean => new RegExp(`(?<![\\d.])${tok}\\.\\d`).test(r.abstract);
    const kind = tokens.every(verbatim)
      ? 'verbatim'
      : tokens.every((tok) => verbatim(tok) || longer(tok))
        ? 'rounded'
        : 'absent';
    const input = { id: r.id, expectedId: r.id, abstract: r.abstract, explanation: r.lastExplanation };
    tally[kind].rows++;
    if (!validateExplanation(input).byRule.new_numbers) tally[kind].failed++;
  }
  const line = Object.entries(tally)
    .map(([k, { rows, failed }]) => `${k} ${failed}/${rows} (${(failed / rows).toFixed(3)})`)
    .join(', ');
  t.diagnostic(`seed number flags, new_numbers also fails on: ${line}`);
  console.log(`[validate] seed number flags, new_numbers also fails on: ${line}`);
  const { absent, verbatim } = tally;
  // Measured: absent 140/157 (the misses are names like "nickel-56", unit exponents "cm^-3", and numbers the
  // abstract spells, "two"); verbatim 0/153; rounded 4/15 (allowRounding takes "22" for 22.0064, not "1047" for
  // 1047.84 nor one-digit "1" for 1.3).
  assert.ok(
    absent.rows > 100 && absent.failed / absent.rows >= 0.85,
    `absent ${absent.failed}/${absent.rows}`,
  );
  assert.ok(
    verbatim.rows > 100 && verbatim.failed / verbatim.rows <= 0.05,
    `verbatim ${verbatim.failed}/${verbatim.rows}`,
  );
});
