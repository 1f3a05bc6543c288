// new_numbers: number forms are normalised before comparing, names and idiom are not numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkNewNumbers } from '../../../src/pipeline/validate/newNumbers';
import {
  extractNumbers,
  numberKey,
  plainMath,
  spelledNumbers,
} from '../../../src/pipeline/validate/numberForms';
import { defaultValidatorConfig as config } from '../../../src/pipeline/validate/types';
import { input } from './fixtures';

const check = (abstract: string, explanation: string, cfg = config) =>
  checkNewNumbers(input({ abstract, explanation }), cfg);
const passes = (abstract: string, explanation: string): void =>
  assert.deepEqual(
    check(abstract, explanation),
    [],
    `${JSON.stringify(explanation)} vs ${JSON.stringify(abstract)}`,
  );
const flags = (abstract: string, explanation: string): string[] =>
  (check(abstract, explanation)[0]?.details?.['tokens'] as string[] | undefined) ?? [];
const values = (text: string) => extractNumbers(text, 'skip').map((t) => numberKey(t.value));

test('new_numbers: the fixture passes (5.6 per cent, 10^{-4}, 10^{5} re-expressed)', () => {
  assert.deepEqual(checkNewNumbers(input(), config), []);
});

test('new_numbers: one value, many spellings', () => {
  const forms = [
    '10^5',
    '10^{5}',
    '$10^{5}$',
    '1e5',
    '1E+5',
    '100,000',
    '100000',
    '1.0 x 10^5',
    '1.0 × 10^5',
    '1.0\\times10^{5}',
    '10⁵',
  ];
  for (const f of forms) assert.deepEqual(values(f), ['100000'], f);
  assert.deepEqual(values('a ×10^5 factor'), ['100000']);
  for (const a of forms)
    for (const e of ['100,000', '1e5', '10^5']) passes(`It grows by ${a} times.`, `It grows ${e} times.`);
});

test('new_numbers: percentages, decimals, ranges', () => {
  passes('occupy 5.6 percent of the volume', 'about 5.6% of the volume');
  passes('occupy 5.6% of the volume', 'about 5.6 per cent of it');
  passes('occupy 5.6\\% of the volume', 'about 5.6 percent of it');
  passes('a fraction of 0.50', 'a fraction of 0.5, i.e. 50%');
  passes('between 3--5 kpc and 7–9 Gyr', 'from 3 to 5 kpc; ages of 7-9 Gyr');
  assert.deepEqual(flags('between 3-5 kpc', 'from 3 to 6 kpc'), ['6']);
  // Thousands groups are one number: "1,000" licenses neither 1 nor 0.
  assert.deepEqual(flags('some 1,000 stars', 'some 1000 stars, 1 in 10'), ['1', '10']);
});

test('new_numbers: LaTeX in the abstract', () => {
  passes(
    'galaxies at $z\\sim 2.5$ with $10^{10}\\,M_\\odot$',
    'at a redshift near 2.5, with 10 billion solar masses',
  );
  passes('a rate of $(3.2\\pm0.5)\\times10^{-3}$', 'a rate of 3.2 × 10^-3, uncertain by 0.5 × 10^-3');
  passes('$\\sim$100\\,000 stars', 'some 100,000 stars');
});

test('new_numbers: the message lists the tokens and the share', () => {
  const errors = check(
    'occupy 5.6 percent of the volume',
    'about 5.6% today, 7% later and 12 kpc away, 7% again',
  );
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'new_numbers');
  assert.equal(errors[0]?.message, 'Numeric tokens not in abstract: 7%, 12 (3 of 4 numeric tokens, 75%)');
  assert.deepEqual(errors[0]?.details, { tokens: ['7%', '12'], newCount: 3, total: 4, share: 0.75 });
});

test('new_numbers: digits inside names are not numbers of the explanation', () => {
  passes(
    'A burst.',
    'GW170817, 2MASS, Gaia DR3, H-alpha, SN1987A, M31, H2O and Kepler-62f are names, as are t_90 and 3D.',
  );
  // A name with a space is checked, and passes when the abstract names it too.
  passes('the galaxy NGC 1275 and 4U 1630-47', 'NGC 1275 and 4U 1630-47 are bright');
  assert.deepEqual(flags('the galaxy NGC 1275', 'like NGC 4486 nearby'), ['4486']);
  // The abstract's names license their digits when the explanation writes them apart.
  passes('the event GW170817', 'the event GW 170817');
});

test('new_numbers: units glued to a number keep it a number; unit exponents are not numbers', () => {
  assert.deepEqual(values('at 1.4GHz, 5σ, 10kpc, the 5th'), ['1.4', '5', '10', '5']);
  assert.deepEqual(values('speeds of 3 km s^-1 and 4 cm^{-3}, 5 cm-3'), ['3', '4', '5']);
  assert.deepEqual(flags('at 1.4 GHz', 'at 1.4GHz and 3GHz'), ['3']);
});

test('new_numbers: years are numbers (an invented date is an invented fact)', () => {
  assert.deepEqual(flags('observed in 2015', 'first seen in 1998 and again in 2015'), ['1998']);
});

test('new_numbers: scale words and unit conversions of the same digits', () => {
  passes('a merger 200 Myr ago', 'a merger 200 million years ago');
  passes('ages of 12.5 Gyr', 'ages of 12.5 billion years');
  passes('nearly 400M objects', 'nearly 400 million objects');
  passes('a population of 1,500,000 stars', 'about 1.5 million stars');
  // Superscripts lost in the abstract's plain text: "6.7 10-9" still licenses 6.7 × 10^-9.
  passes('increased to 6.7 10-9 Msun yr^-1', 'a rate of 6.7 × 10^-9 solar masses per year');
});

test('new_numbers: spelled numbers', () => {
  // The abstract's words license digits...
  passes(
    'two planets and six rings, twice as bright, half the mass',
    'its 2 planets, 6 rings, 2 times brighter, 0.5 of the mass, 50%',
  );
  assert.deepEqual(
    spelledNumbers('Twenty-five stars, two hundred rings, one of them, the first'),
    [25, 2, 200],
  );
  // ...but not "one"/"first"/ordinals, which abstracts use as idiom.
  assert.deepEqual(
    flags('one of the first disks, the fourth release', 'gaps as close as 1 au, beyond 4 kpc'),
    ['1', '4'],
  );
  // The explanation's own words are idiom, not data.
  passes('no numbers here', 'one of the two main ideas, first in a hundred');
  const off = { ...config, numbers: { ...config.numbers, spelledInAbstract: false } };
  assert.equal(check('two planets', 'its 2 planets', off).length, 1);
});

test('new_numbers: signs are compared by magnitude; sentence-final dots are not part of numbers', () => {
  passes('a slope of $-1.5$ at $z=2$', 'a slope of −1.5 at a redshift of 2.');
  passes('w=-1', 'with w = 1.');
});

test('new_numbers: rounding to 2+ significant digits is a simplification, not a new number', () => {
  passes('a period of 22.0064 days and an error of 10.4 hours', 'about 22 days, off by 10 hours');
  passes('a width of 5.63 per cent', 'about 5.6% wide');
  // Truncation is not rounding, and a one-digit number is too coarse to count as one.
  assert.deepEqual(flags('a period of 1047.84 days', 'about 1047 days'), ['1047']);
  assert.deepEqual(flags('a radius of 1.3 au', 'about 1 au'), ['1']);
  const strict = { ...config, numbers: { ...config.numbers, allowRounding: false } };
  assert.equal(check('a period of 22.0064 days', 'about 22 days', strict).length, 1);
});

test('new_numbers: maxNew and allowed relax the rule', () => {
  assert.equal(check('none', 'a ratio of 3 to 1').length, 1);
  assert.deepEqual(
    check('none', 'a ratio of 3 to 1', { ...config, numbers: { ...config.numbers, maxNew: 2 } }),
    [],
  );
  assert.deepEqual(
    check('none', 'ratio 1:1', { ...config, numbers: { ...config.numbers, allowed: ['1'] } }),
    [],
  );
});

test('new_numbers: an explanation without numbers passes', () => {
  passes('values of 3 and 4', 'values grow');
});

test('plainMath flattens LaTeX and Unicode', () => {
  assert.equal(plainMath('$10^{\\,5}$').trim(), '10^5');
  assert.equal(plainMath('3.2\\times 10^{-3}').replace(/\s+/g, ' '), '3.2 × 10^-3');
  assert.equal(plainMath('1{,}000 and 100\\,000'), '1,000 and 100000');
  assert.equal(plainMath('−2 km s⁻¹'), '-2 km s^-1');
});
