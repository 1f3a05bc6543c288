// banned_phrases: reporting phrases are caught at word boundaries, whatever the case or line breaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBannedPhrases } from '../../../src/pipeline/validate/bannedPhrases';
import { defaultValidatorConfig as config } from '../../../src/pipeline/validate/types';
import { input } from './fixtures';

const check = (explanation: string) => checkBannedPhrases(input({ explanation }), config);

test('banned_phrases: the fixture passes', () => {
  assert.deepEqual(checkBannedPhrases(input(), config), []);
});

test('banned_phrases: matched case-insensitively and across line breaks', () => {
  assert.equal(check('We Find that the disk is warm.')[0]?.message, "Banned phrase found: 'we find'");
  assert.equal(
    check('As shown in this\npaper, rings form.')[0]?.message,
    "Banned phrase found: 'in this paper'",
  );
  assert.equal(check('Gaps open.\\n\\nWe present a model.')[0]?.message, "Banned phrase found: 'we present'");
});

test('banned_phrases: the longer phrase is reported alone; several phrases are all listed', () => {
  const errors = check('In this study the authors model it. Our results hold.');
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'banned_phrase');
  assert.equal(errors[0]?.message, "Banned phrases found: 'in this study', 'the authors', 'our results'");
  assert.deepEqual(errors[0]?.details, { phrases: ['in this study', 'the authors', 'our results'] });
});

test('banned_phrases: only at word boundaries', () => {
  assert.deepEqual(check('Answer: knew findings showed; we presently see the authorship; hereby we.'), []);
});

test('banned_phrases: the list is configurable', () => {
  const cfg = { ...config, bannedPhrases: ['the researchers'] };
  assert.deepEqual(checkBannedPhrases(input({ explanation: 'We find rings.' }), cfg), []);
  assert.equal(checkBannedPhrases(input({ explanation: 'The researchers saw rings.' }), cfg).length, 1);
  assert.deepEqual(
    checkBannedPhrases(input({ explanation: 'We find rings.' }), { ...config, bannedPhrases: [] }),
    [],
  );
});
