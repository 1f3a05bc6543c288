// Faithfulness marks on hand-written abstract/explanation pairs, and the repetition measures on sequences small
// enough to count by hand.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overlapTokens } from '../../../src/pipeline/validate/text';
import { faithfulnessMarks, wordsWithOffsets } from '../../../src/student/infer/faithfulness';
import { repeatedSpans, repetitionStats } from '../../../src/student/infer/repetition';

const ABSTRACT =
  'We observed twelve magnetars with the Chandra X-ray Observatory over three years of monitoring and found that ' +
  'their spin-down rates reach 1.5 x 10^-11 s/s, while 40% of them show glitches after outbursts.';

const EXPLANATION =
  'Magnetars are neutron stars whose magnetic fields are enormous. The team observed twelve magnetars with the ' +
  'Chandra X-ray Observatory over three years of monitoring and found that their spin slows. About 45 of them ' +
  'glitch. Their spin-down rates reach 1.5 × 10^-11 seconds per second, while 40% of them show glitches after ' +
  'outbursts.';

const span = (text: string, from: string, to: string) => {
  const start = text.indexOf(from);
  return { start, end: text.indexOf(to, start) + to.length };
};

test('invented numbers, a long copied run and a copied phrase become spans over the explanation', () => {
  const report = faithfulnessMarks(ABSTRACT, EXPLANATION);
  const simplified = report.marks.map(({ kind, severity, start, end, text }) => ({
    kind,
    severity,
    start,
    end,
    text,
  }));
  const copied = span(EXPLANATION, 'observed twelve', 'their spin');
  const number = span(EXPLANATION, '45', '45');
  const phrase = span(EXPLANATION, 'while 40%', 'outbursts');
  assert.deepEqual(simplified, [
    { kind: 'copied', severity: 'error', ...copied, text: EXPLANATION.slice(copied.start, copied.end) },
    { kind: 'new_number', severity: 'error', ...number, text: '45' },
    {
      kind: 'copied',
      severity: 'warning',
      ...phrase,
      text: 'while 40% of them show glitches after outbursts',
    },
  ]);
  assert.match(report.marks[0]!.message, /19 words in a row \(at most 12\)/);
  assert.equal(report.marks[1]!.message, '45 is not in the abstract');
  assert.match(report.marks[2]!.message, /^8 words in a row/);
  for (const m of report.marks) assert.equal(m.text, EXPLANATION.slice(m.start, m.end));
  // The validators' own verdict: 1.5 × 10^-11 and 40% are the abstract's; 45 is not; the 19-word run fails the rule.
  assert.deepEqual(report.newNumbers, ['45']);
  assert.equal(report.validation.byRule.new_numbers, false);
  assert.equal(report.validation.byRule.copy_overlap, false);
  assert.equal(report.validation.byRule.word_range, true, 'format rules are not run on student output');
  assert.equal(report.marks.filter((m) => m.kind === 'repetition').length, 0);
});

test('a faithful paraphrase gets no marks; names and spelled numbers are not invented numbers', () => {
  const abstract = 'We detect GW170817-like mergers at 40 Mpc and model two kilonova components in 3D.';
  const explanation =
    'When two neutron stars collide, like GW170817, the debris glows for days. Two parts of that glow, one blue ' +
    'and one red, come from matter thrown out at different speeds, seen here about 40 Mpc away.';
  const report = faithfulnessMarks(abstract, explanation);
  assert.deepEqual(report.marks, []);
  assert.equal(report.validation.ok, true);
  assert.deepEqual(report.newNumbers, []);
});

test('numbers written with LaTeX or superscripts are located in the original text', () => {
  const abstract = 'Fields of order 10^{14} G and periods near 8 s.';
  const explanation = 'The field reaches 10¹⁵ G, and the star turns once every 8 s; twice 8 is 16.';
  const report = faithfulnessMarks(abstract, explanation);
  const numbers = report.marks.filter((m) => m.kind === 'new_number');
  assert.deepEqual(
    numbers.map((m) => m.text),
    ['10¹⁵', '16'],
  );
  const forms = faithfulnessMarks(
    'Stars in the disk, 2MASS.',
    'About 56% of 1,200 stars, or 3  million in total, lie within .5 kpc; 7 \\% in 2MASS and 4 per cent at 1.4GHz.',
  );
  assert.deepEqual(forms.newNumbers, ['56%', '1,200', '3 million', '.5', '7 %', '4 per cent', '1.4']);
  assert.deepEqual(
    forms.marks.map((m) => m.text),
    ['56%', '1,200', '3  million', '.5', '7 \\%', '4 per cent', '1.4'],
  );
  const latex = faithfulnessMarks(abstract, 'A \\textbf{strong} field of $10^{16}$ G.');
  assert.deepEqual(
    latex.marks.map((m) => m.text),
    ['10^{16}'],
  );
});

test('a greedy loop is marked from its second occurrence, and the repetition measures see it', () => {
  const loop = 'The disk heats the gas and the gas cools the disk.';
  const explanation = `Accretion powers the source. ${loop} ${loop} ${loop}`;
  const report = faithfulnessMarks('Accretion disks around black holes.', explanation);
  const reps = report.marks.filter((m) => m.kind === 'repetition');
  assert.equal(reps.length, 1);
  const second = explanation.indexOf(loop, explanation.indexOf(loop) + 1);
  assert.equal(reps[0]!.start, second);
  assert.equal(reps[0]!.end, explanation.length - 1, 'up to the last word, not the final period');
  assert.match(reps[0]!.message, /Repeats an earlier 22-word stretch/);
  const r = report.repetition;
  // 4 + 3 × 11 = 37 words; 34 4-gram windows, of which the 19 starting in the 2nd loop or later repeat.
  assert.equal(r.tokens, 37);
  assert.equal(r.repeatedNgramShare, 19 / 34);
  assert.equal(r.longestRepeat.length, 22);
  assert.equal(r.longestRepeat.first, 4);
  assert.equal(r.longestRepeat.second, 15);
});

test('repetition measures on hand-counted sequences', () => {
  const seq = ['a', 'b', 'c', 'a', 'b', 'c', 'a'];
  const r = repetitionStats(seq, 2);
  // Windows ab bc ca ab bc ca: the last three repeat.
  assert.equal(r.repeatedNgramShare, 0.5);
  assert.deepEqual(r.longestRepeat, { length: 4, first: 0, second: 3 });
  assert.equal(r.distinctTokenShare, 3 / 7);
  assert.deepEqual(repeatedSpans(seq, 3), [{ start: 3, end: 7, length: 4 }]);
  assert.deepEqual(repeatedSpans(seq, 5), []);
  // Token ids work the same; a run of one token is a loop of period 1.
  const ids = repetitionStats([7, 7, 7, 7], 2);
  assert.equal(ids.repeatedNgramShare, 2 / 3);
  assert.deepEqual(ids.longestRepeat, { length: 3, first: 0, second: 1 });
  const none = repetitionStats([1, 2, 3], 4);
  assert.equal(none.repeatedNgramShare, 0);
  assert.deepEqual(none.longestRepeat, { length: 0, first: -1, second: -1 });
  assert.equal(repetitionStats([], 4).distinctTokenShare, 1);
});

test("words with offsets are exactly the validators' overlap tokens", () => {
  for (const text of [
    EXPLANATION,
    'A $z\\sim 2$ galaxy\\nHas ÉNERGIE 5.6% and high-redshift\r\nlines.\\n\\nNext \\nu paragraph',
    '',
  ]) {
    const words = wordsWithOffsets(text);
    assert.deepEqual(
      words.map((w) => w.token),
      overlapTokens(text),
    );
    for (const w of words) assert.equal(text.slice(w.start, w.end).toLowerCase(), w.token);
  }
});

test('names the abstract never mentions are marked where they stand; names it does mention are not', () => {
  const abstract = 'Using ALMA observations at 1.3 mm, we detect a ring of dust around HD 163296.';
  const explanation = 'ALMA sees the ring. Later, JWST and the Moscow team confirm it; JWST sees more.';
  const report = faithfulnessMarks(abstract, explanation);
  assert.deepEqual(report.newEntities, ['JWST', 'Moscow']);
  const entityMarks = report.marks.filter((m) => m.kind === 'new_entity');
  assert.deepEqual(
    entityMarks.map((m) => [m.text, m.start, m.severity]),
    [
      ['JWST', explanation.indexOf('JWST'), 'warning'],
      ['Moscow', explanation.indexOf('Moscow'), 'warning'],
      ['JWST', explanation.lastIndexOf('JWST'), 'warning'],
    ],
  );
  for (const m of entityMarks) assert.equal(explanation.slice(m.start, m.end), m.text);
});
