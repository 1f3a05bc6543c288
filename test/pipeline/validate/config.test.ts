// loadValidatorConfig: YAML merges over the defaults, and every mistake names its key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { MiniAstroError } from '../../../src/core/errors';
import { loadValidatorConfig } from '../../../src/pipeline/validate/config';
import { defaultValidatorConfig } from '../../../src/pipeline/validate/types';

function rejects(partial: unknown, message: RegExp): void {
  assert.throws(
    () => loadValidatorConfig(partial),
    (e: unknown) => {
      assert.ok(e instanceof MiniAstroError, String(e));
      assert.equal(e.kind, 'badInput');
      assert.match(e.message, message);
      assert.match(e.hint, /configs\/pipeline\.yaml/);
      return true;
    },
  );
}

test('config: nothing given means the defaults', () => {
  assert.deepEqual(loadValidatorConfig(undefined), defaultValidatorConfig);
  assert.deepEqual(loadValidatorConfig(null), defaultValidatorConfig);
  assert.deepEqual(loadValidatorConfig({}), defaultValidatorConfig);
});

test('config: configs/pipeline.yaml documents exactly the defaults', () => {
  const file = path.resolve(__dirname, '..', '..', '..', 'configs', 'pipeline.yaml');
  const doc: unknown = parse(readFileSync(file, 'utf8'));
  assert.ok(typeof doc === 'object' && doc !== null && 'validators' in doc);
  const section = (doc as { validators: unknown }).validators;
  assert.deepEqual(loadValidatorConfig(section), defaultValidatorConfig);
  // Every default key is spelled out in the file, so the comments document all of them.
  assert.deepEqual(Object.keys(section as object).sort(), Object.keys(defaultValidatorConfig).sort());
});

test('config: partial values merge over the defaults; lists replace', () => {
  const c = loadValidatorConfig({ maxWords: 230, copy: { maxSharedRun: 19 }, bannedPhrases: ['we show'] });
  assert.equal(c.maxWords, 230);
  assert.equal(c.minWords, defaultValidatorConfig.minWords);
  assert.deepEqual(c.copy, { ...defaultValidatorConfig.copy, maxSharedRun: 19 });
  assert.deepEqual(c.bannedPhrases, ['we show']);
  assert.deepEqual(c.format, defaultValidatorConfig.format);
});

test('config: paragraphs as an exact count or a range', () => {
  assert.deepEqual(loadValidatorConfig({ paragraphs: 3 }).paragraphs, { min: 3, max: 3 });
  assert.deepEqual(loadValidatorConfig({ paragraphs: { min: 3, max: 5 } }).paragraphs, { min: 3, max: 5 });
  rejects(
    { paragraphs: { min: 5, max: 3 } },
    /^validators\.paragraphs: min \(5\) is greater than max \(3\)$/,
  );
  rejects({ paragraphs: 0 }, /^validators\.paragraphs: expected an integer >= 1; got 0$/);
});

test('config: unknown keys and wrong types name the key', () => {
  rejects({ maxwords: 200 }, /^validators\.maxwords: unknown key \(known: minWords, maxWords,/);
  rejects({ copy: { maxRun: 3 } }, /^validators\.copy\.maxRun: unknown key/);
  rejects({ maxWords: '220' }, /^validators\.maxWords: expected an integer >= 1; got "220"$/);
  rejects({ minWords: 300 }, /minWords \(300\) is greater than maxWords \(220\)/);
  rejects(
    { copy: { maxNgramShare: 1.5 } },
    /^validators\.copy\.maxNgramShare: expected a number between 0 and 1; got 1\.5$/,
  );
  rejects({ format: { latex: 'yes' } }, /^validators\.format\.latex: expected true or false; got "yes"$/);
  rejects({ bannedPhrases: 'we show' }, /^validators\.bannedPhrases: expected a list of strings/);
  rejects({ bannedPhrases: ['ok', ''] }, /^validators\.bannedPhrases\[1\]: expected a non-empty string/);
  rejects({ numbers: { allowed: ['many'] } }, /^validators\.numbers\.allowed\[0\]: no number in "many"$/);
  rejects({ disabled: ['word_count'] }, /^validators\.disabled\[0\]: unknown rule "word_count"/);
  rejects([1, 2], /^validators: expected a mapping/);
  rejects('strict', /^validators: expected a mapping; got "strict"$/);
});

test('config: the section name in messages can be set', () => {
  assert.throws(
    () => loadValidatorConfig({ x: 1 }, 'teacher.validators'),
    /^MiniAstroError: teacher\.validators\.x:/,
  );
});
