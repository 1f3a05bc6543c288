// format: each kind of non-prose markup is reported under its own code, and only once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFormat } from '../../../src/pipeline/validate/format';
import { defaultValidatorConfig as config } from '../../../src/pipeline/validate/types';
import { input, paragraphs } from './fixtures';

const codes = (explanation: string, cfg = config) =>
  checkFormat(input({ explanation }), cfg).map((e) => e.code);

test('format: plain prose passes, including names that end in a star', () => {
  assert.deepEqual(checkFormat(input(), config), []);
  assert.deepEqual(codes('Sgr A* sits in the centre; the mass M* grows. The ratio is 3:1, i.e. large.'), []);
});

test('format: LaTeX', () => {
  const errors = checkFormat(
    input({ explanation: 'A mass of $10^{10}\\,M_\\odot$ and \\alpha grows.' }),
    config,
  );
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'latex');
  assert.match(
    errors[0]?.message ?? '',
    /^Not plain prose: LaTeX "\$10\^\{10\}\\\\,M_\\\\odot\$", "\\\\alpha"/,
  );
  assert.deepEqual(codes('The rate is 3 s^{-1} today.'), ['latex']);
});

test('format: plain-text math notation', () => {
  assert.deepEqual(codes('The density reaches 10^5 cm^-3.'), ['math_notation']);
  assert.deepEqual(codes('The luminosity L_X rises.'), ['math_notation']);
});

test('format: Markdown', () => {
  assert.deepEqual(codes('Key terms like **jet** matter.'), ['markdown']);
  assert.deepEqual(codes('Key terms like *jet* matter.'), ['markdown']);
  assert.deepEqual(codes('# Setting\nStars form.'), ['markdown']);
  assert.deepEqual(codes('See `code` here.'), ['markdown']);
});

test('format: lists and section labels', () => {
  assert.deepEqual(codes('Terms:\n- disk: gas\n- gap: lane'), ['list']);
  assert.deepEqual(codes('1. Stars form.\n2. Disks flatten.'), ['list']);
  assert.deepEqual(codes('Paragraph 1: Stars form in clouds.'), ['list']);
  // A dash inside a sentence is prose.
  assert.deepEqual(codes('Stars form - slowly - in clouds.'), []);
});

test('format: literal "\\n" escapes are reported once, not as LaTeX', () => {
  const errors = checkFormat(input({ explanation: paragraphs.join('\\n\\n') }), config);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'literal_escape');
  assert.equal(errors[0]?.message, 'Literal "\\n" escapes instead of line breaks (6 found)');
});

test('format: each check can be switched off', () => {
  const off = { ...config, format: { ...config.format, mathNotation: false, literalEscapes: false } };
  assert.deepEqual(codes('The density reaches 10^5 cm^-3.\\n\\nNext.', off), []);
});
