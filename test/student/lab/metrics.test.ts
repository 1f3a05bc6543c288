// The scorecard's measures on hand-checked cases, then on the original study's real rows.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { entityCandidates, newEntities } from '../../../src/pipeline/validate/entities';
import { defaultValidatorConfig } from '../../../src/pipeline/validate/types';
import { validateExplanation } from '../../../src/pipeline/validate/validate';
import { distinctN } from '../../../src/student/lab/metrics/ngrams';
import { fleschKincaidGrade, readabilityCounts } from '../../../src/student/lab/metrics/readability';
import { lcsLength, rougeL } from '../../../src/student/lab/metrics/rougeL';
import { readLabRows } from '../../../src/student/lab/rows';
import { aggregate, SCORED_RULES, scoreAll, scoreExplanation } from '../../../src/student/lab/scorecard';
import { needRealdata } from '../../helpers/realdata';
import { tempDir } from '../../helpers/tmp';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

test('ROUGE-L: Lin (2004)’s example and a one-word substitution, by hand', () => {
  // Reference "police killed the gunman": LCS 3 with "police kill the gunman", 2 with "the gunman kill police".
  const ref = 'police killed the gunman';
  close(rougeL('police kill the gunman', ref).f1, 3 / 4);
  close(rougeL('the gunman kill police', ref).f1, 2 / 4);
  // 6 words each, LCS "the cat on the mat" = 5: P = R = F = 5/6. Case and punctuation do not count.
  const s = rougeL('The cat sat on the mat.', 'the cat is on the mat');
  close(s.precision, 5 / 6);
  close(s.recall, 5 / 6);
  close(s.f1, 5 / 6);
  // Unequal lengths: P = 2/2, R = 2/4, F = 2PR/(P+R) = 2/3.
  close(rougeL('cat mat', 'the cat the mat').f1, 2 / 3);
  assert.equal(rougeL('', 'anything').f1, 0);
  assert.equal(lcsLength(['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a']), 4);
});

test('distinct-2 and repeated 4-grams, by hand', () => {
  // Bigrams ab ba ab ba: 2 distinct of 4.
  assert.equal(distinctN(['a', 'b', 'a', 'b', 'a'], 2), 0.5);
  assert.equal(distinctN(['a', 'b', 'c'], 2), 1);
  assert.equal(distinctN(['a'], 2), 1);
  const abstract = 'Nothing related here.';
  // Words a b c d a b c d: five 4-grams, the fifth (a b c d) repeats the first → 1/5; bigrams 4 distinct of 7.
  const looped = scoreExplanation(
    {
      id: 'x',
      abstract,
      explanation: 'alpha beta gamma delta alpha beta gamma delta',
      target: null,
      endedWithEos: false,
    },
    defaultValidatorConfig,
  );
  close(looped.repeat4gram, 1 / 5);
  close(looped.distinct2, 4 / 7);
  const fresh = scoreExplanation(
    { id: 'x', abstract, explanation: 'alpha beta gamma delta epsilon', target: null, endedWithEos: true },
    defaultValidatorConfig,
  );
  assert.equal(fresh.repeat4gram, 0);
  assert.equal(fresh.distinct2, 1);
});

test('Flesch–Kincaid grade: 0.39·words/sentence + 11.8·syllables/word − 15.59 on known sentences', () => {
  // 6 one-syllable words in one sentence: 0.39·6 + 11.8·1 − 15.59 = −1.45.
  assert.deepEqual(readabilityCounts('The cat sat on the mat.'), { sentences: 1, words: 6, syllables: 6 });
  close(fleschKincaidGrade('The cat sat on the mat.')!, -1.45, 1e-9);
  // 13 words, 26 syllables (Aus-tra-li-an, plat-y-pus, seem-ing-ly, hy-brid, mam-mal, rep-til-i-an, crea-ture):
  // 0.39·13 + 11.8·2 − 15.59 = 13.08.
  const platypus = 'The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.';
  assert.deepEqual(readabilityCounts(platypus), { sentences: 1, words: 13, syllables: 26 });
  close(fleschKincaidGrade(platypus)!, 13.08, 1e-9);
  // Sentences end before a closing quote too, and a decimal point does not end one.
  assert.equal(readabilityCounts('"It cools." Then 5.6 more! Done?').sentences, 3);
  assert.equal(fleschKincaidGrade('...'), null);
});

test('named entities not in the abstract: by spelling, compared part by part', () => {
  assert.deepEqual(
    entityCandidates(
      'The Tarantula Nebula hosts MUSE data. Stars in NGC 2070 differ; eROSITA sees Kepler-62b.',
    ),
    ['Tarantula', 'Nebula', 'MUSE', 'NGC', 'eROSITA', 'Kepler-62b'],
  );
  // Sentence-initial capitals are not names; the abstract licenses names in any case.
  assert.deepEqual(
    newEntities(
      'MUSE observes the Tarantula nebula (NGC 2070).',
      'Stars form here. The Tarantula Nebula, seen by MUSE, and GW170817 near Moscow.',
    ),
    ['GW170817', 'Moscow'],
  );
});

test('the scorecard runs the v1 validators themselves (id_match aside) and aggregates them', () => {
  const abstract = 'We present observations of 12 galaxies with JWST.';
  const explanation = 'In this paper the 40 galaxies seen by Hubble are explained.\n\nA second paragraph.';
  const score = scoreExplanation(
    { id: 'p', abstract, explanation, target: 'Galaxies seen by JWST.', endedWithEos: true },
    defaultValidatorConfig,
  );
  const direct = validateExplanation(
    { id: 'p', expectedId: 'p', abstract, explanation },
    defaultValidatorConfig,
  );
  for (const rule of SCORED_RULES) assert.equal(score.rules[rule], direct.byRule[rule], rule);
  assert.equal(score.rules.banned_phrases, false);
  assert.deepEqual(score.newNumbers, ['40']);
  assert.deepEqual(score.newEntities, ['Hubble']);
  const card = aggregate([score, { ...score, endedWithEos: null, rougeL: null, newNumbers: [] }]);
  assert.equal(card.n, 2);
  assert.equal(card.eos_rate, 1);
  assert.equal(card.with_target, 1);
  assert.equal(card.new_numbers_rate, 0.5);
  assert.equal(card.pass_rate.banned_phrases, 0);
});

test('real rows: the untuned GPT-2 baseline scores below the teacher it should imitate', (t) => {
  const baselineFile = needRealdata(t, 'miniastrogpt', 'baseline_gpt2_v1_10.jsonl');
  const teacherFile = needRealdata(t, 'miniastrogpt', 'teacher_v1_train.jsonl');
  if (!baselineFile || !teacherFile) return;
  const baselineRows = readLabRows(baselineFile);
  assert.equal(baselineRows.length, 10);
  assert.ok(baselineRows.every((r) => r.explanation !== null && r.target === null));
  const baseline = scoreAll(
    baselineRows.map((r) => ({ ...r, explanation: r.explanation!, endedWithEos: null })),
    defaultValidatorConfig,
  ).card;
  // The teacher's accepted rows scored as explanations, with themselves as the target (ROUGE-L exactly 1).
  const first100 = path.join(tempDir(t), 'teacher100.jsonl');
  writeFileSync(first100, readFileSync(teacherFile, 'utf8').split('\n').slice(0, 100).join('\n'));
  const teacher = readLabRows(first100).map((r) => ({
    ...r,
    explanation: r.target!,
    endedWithEos: null,
  }));
  const teacherCard = scoreAll(teacher, defaultValidatorConfig).card;
  assert.equal(teacherCard.rouge_l, 1);
  assert.equal(baseline.rouge_l, null);
  assert.equal(baseline.eos_rate, null);
  assert.ok(
    teacherCard.pass_rate.all > baseline.pass_rate.all,
    `${teacherCard.pass_rate.all} vs ${baseline.pass_rate.all}`,
  );
  assert.ok(teacherCard.pass_rate.new_numbers > baseline.pass_rate.new_numbers);
  assert.ok(baseline.new_entities_rate > teacherCard.new_entities_rate);
  // Grades of real prose: the teacher writes for undergraduates, the baseline rambles in run-on sentences.
  assert.ok(teacherCard.fk_grade! > 8 && teacherCard.fk_grade! < 20, String(teacherCard.fk_grade));
  assert.ok(baseline.fk_grade! > teacherCard.fk_grade!);
});
