// Rule new_numbers: every number in the explanation comes from the abstract — a number the abstract lacks is invented.
import {
  extractFromPlain,
  extractNumbers,
  type NumberToken,
  numberKey,
  plainMath,
  spelledNumbers,
} from './numberForms';
import type { ValidationError, ValidationInput, ValidatorConfig } from './types';

/**
 * Every value the abstract licenses, read generously: numbers inside names, mantissas without their scale word,
 * spelled numbers, and the fraction behind each percentage. Generosity here costs little (an explanation can only
 * repeat what the abstract says); strictness belongs to the explanation's side.
 */
export function abstractNumberKeys(abstract: string, config: ValidatorConfig): Set<string> {
  const keys = new Set<string>();
  const add = (v: number): void => {
    keys.add(numberKey(v));
  };
  const plain = plainMath(abstract);
  for (const t of extractFromPlain(plain, 'keep')) {
    add(t.value);
    if (t.percent && config.numbers.percentMatchesFraction) add(t.value / 100);
  }
  // Mantissas alone ("1.5 million" also licenses 1.5, "3 x 10^5" licenses 3) and each digit run of a name;
  // thousands groups stay whole, so "1,000" does not license "1".
  for (const m of plain.matchAll(/\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?/g))
    add(Number(m[0].replace(/,/g, '')));
  // "(3.2 ± 0.5) × 10^5": the multiplier applies to every number in the parentheses.
  for (const m of plain.matchAll(/\(([^()]*)\)\s*[×xX*]\s*10\s*\^\s*([+-]?\d+)/g)) {
    for (const inner of extractNumbers(m[1] ?? '', 'keep')) add(inner.value * 10 ** Number(m[2]));
  }
  if (config.numbers.spelledInAbstract) for (const v of spelledNumbers(abstract)) add(v);
  for (const a of config.numbers.allowed) for (const t of extractNumbers(a, 'keep')) add(t.value);
  return keys;
}

/**
 * "about 22 days" for 22.0064 days, "10 hours" for 10.4: a plain number with at least two significant digits that
 * is an abstract number rounded to the same decimal places. One-digit numbers are never roundings — "1 day" from
 * an abstract's "1.2 R_earth" would be a coincidence, not a simplification.
 */
function roundsAKnownValue(t: NumberToken, known: Set<string>): boolean {
  const p = t.precision;
  if (!p || p.digits < 2) return false;
  const step = 10 ** -p.decimals;
  for (const key of known) {
    const a = Number(key);
    if (Math.abs(Math.round(a / step) * step - t.value) < step / 1000) return true;
  }
  return false;
}

/**
 * Signs are compared by magnitude: a hyphen is a minus, a range dash or a name joiner depending on typography the
 * teacher does not control, and a flipped sign is a faithfulness error for the judge, not an invented number.
 * Spelled numbers in the explanation are not checked: "one of the", "two types", "first" are idiom, not data.
 * A token also passes when every number it is written with is in the abstract (see `NumberToken.parts`).
 */
export function checkNewNumbers(input: ValidationInput, config: ValidatorConfig): ValidationError[] {
  const tokens = extractNumbers(input.explanation, 'skip');
  if (tokens.length === 0) return [];
  const known = abstractNumberKeys(input.abstract, config);
  const isKnown = (t: NumberToken): boolean =>
    known.has(numberKey(t.value)) ||
    (t.percent && config.numbers.percentMatchesFraction && known.has(numberKey(t.value / 100))) ||
    (t.parts.length > 0 && t.parts.every((p) => known.has(numberKey(p)))) ||
    (config.numbers.allowRounding && roundsAKnownValue(t, known));
  const offending = tokens.filter((t) => !isKnown(t));
  const distinct = [...new Set(offending.map((t) => t.raw))];
  const distinctValues = new Set(offending.map((t) => numberKey(t.value)));
  if (distinctValues.size <= config.numbers.maxNew) return [];
  const share = offending.length / tokens.length;
  return [
    {
      rule: 'new_numbers',
      code: 'new_numbers',
      message: `Numeric tokens not in abstract: ${distinct.join(', ')} (${offending.length} of ${tokens.length} numeric tokens, ${Math.round(100 * share)}%)`,
      details: { tokens: distinct, newCount: offending.length, total: tokens.length, share },
    },
  ];
}
