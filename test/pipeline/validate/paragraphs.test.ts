// paragraphs: the count and the fragments, as blank-line-separated paragraphs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkParagraphs } from '../../../src/pipeline/validate/paragraphs';
import { splitParagraphs } from '../../../src/pipeline/validate/text';
import { defaultValidatorConfig as config } from '../../../src/pipeline/validate/types';
import { input, paragraphs } from './fixtures';

test('paragraphs: four blank-line-separated paragraphs pass', () => {
  assert.deepEqual(checkParagraphs(input(), config), []);
});

test('paragraphs: wrong count is reported like the seed did', () => {
  const two = `${paragraphs.slice(0, 2).join(' ')}\n\n${paragraphs.slice(2).join(' ')}`;
  const errors = checkParagraphs(input({ explanation: two }), config);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'paragraph_count');
  assert.equal(errors[0]?.message, 'Expected 4 paragraphs; found 2');
  const single = paragraphs.join('\n');
  assert.equal(
    checkParagraphs(input({ explanation: single }), config)[0]?.message,
    'Expected 4 paragraphs; found 1',
  );
});

test('paragraphs: blank lines may hold whitespace and CRLF; extra blank lines do not add paragraphs', () => {
  assert.equal(splitParagraphs('a b\r\n  \r\nc d\n\n\n\ne f').length, 3);
  assert.equal(splitParagraphs('\n\n a \n\n').length, 1);
  assert.deepEqual(splitParagraphs(''), []);
});

test('paragraphs: literal "\\n\\n" escapes count as breaks (the format rule reports the escaping)', () => {
  const escaped = paragraphs.join('\\n\\n');
  assert.deepEqual(checkParagraphs(input({ explanation: escaped }), config), []);
  // `\nu` is LaTeX, not a break.
  assert.equal(splitParagraphs('frequency \\nu rises\\n\\nNext').length, 2);
});

test('paragraphs: a range config accepts any count inside it', () => {
  const cfg = { ...config, paragraphs: { min: 3, max: 5 } };
  const three = [paragraphs[0], paragraphs[1], `${paragraphs[2]} ${paragraphs[3]}`].join('\n\n');
  assert.deepEqual(checkParagraphs(input({ explanation: three }), cfg), []);
  const one = paragraphs.join(' ');
  assert.equal(
    checkParagraphs(input({ explanation: one }), cfg)[0]?.message,
    'Expected 3–5 paragraphs; found 1',
  );
});

test('paragraphs: a fragment split off by a stray break is too short', () => {
  const broken = [paragraphs[0], 'The term', paragraphs[1], paragraphs[2]].join('\n\n');
  const errors = checkParagraphs(input({ explanation: broken }), config);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'short_paragraph');
  assert.equal(errors[0]?.message, 'Paragraph 2 too short (2 words; min 8)');
});
