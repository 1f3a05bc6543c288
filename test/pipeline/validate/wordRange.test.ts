// word_range: words counted as a reader would, against inclusive bounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countWords } from '../../../src/pipeline/validate/text';
import { defaultValidatorConfig as config } from '../../../src/pipeline/validate/types';
import { checkWordRange } from '../../../src/pipeline/validate/wordRange';
import { explanation, input } from './fixtures';

const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

test('word_range: the fixture explanation (195 words) passes', () => {
  assert.equal(countWords(explanation), 195);
  assert.deepEqual(checkWordRange(input(), config), []);
});

test('word_range: bounds are inclusive', () => {
  assert.deepEqual(checkWordRange(input({ explanation: words(180) }), config), []);
  assert.deepEqual(checkWordRange(input({ explanation: words(220) }), config), []);
});

test('word_range: too short and too long name the count and the bound', () => {
  const short = checkWordRange(input({ explanation: words(179) }), config);
  assert.equal(short.length, 1);
  assert.equal(short[0]?.code, 'too_short');
  assert.equal(short[0]?.message, 'Too short: 179 words (min 180)');
  const long = checkWordRange(input({ explanation: words(225) }), config);
  assert.equal(long[0]?.code, 'too_long');
  assert.equal(long[0]?.message, 'Too long: 225 words (max 220)');
});

test('word_range: words are what a reader counts', () => {
  assert.equal(countWords('high-redshift galaxies hold 5.6% — of the mass'), 7);
  assert.equal(countWords("the star's disk\n\nrings"), 4);
  // Literal "\n" escapes separate words instead of gluing them.
  assert.equal(countWords('end.\\n\\nStart again'), 3);
  assert.equal(countWords(''), 0);
});

test('word_range: configurable bounds', () => {
  const cfg = { ...config, minWords: 10, maxWords: 12 };
  assert.deepEqual(checkWordRange(input({ explanation: words(11) }), cfg), []);
  assert.equal(
    checkWordRange(input({ explanation: words(13) }), cfg)[0]?.message,
    'Too long: 13 words (max 12)',
  );
});
