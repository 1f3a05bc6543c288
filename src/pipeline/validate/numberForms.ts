// Reads numbers out of prose and LaTeX into comparable values, so "10^{5}", "1e5" and "100,000" are one number.
import { normalizeBreaks } from './text';

export interface NumberToken {
  /** As written (after LaTeX was flattened), e.g. "5.6%", "1.0 x 10^5". */
  raw: string;
  /** Magnitude, scale words applied ("1.5 million" → 1500000). Signs are dropped: see `newNumbers.ts`. */
  value: number;
  percent: boolean;
  /**
   * The numbers the token is written with: mantissa alone where a scale word followed ("200 million" → [200]),
   * mantissa and exponent of a power ("6.7 × 10^-9" → [6.7, 9]). Lets a re-expression of the abstract's own
   * digits match: "200 Myr" written out, or an abstract whose superscripts were flattened to "6.7 10-9".
   */
  parts: number[];
  /**
   * How precisely a plain number is written: decimal places and significant digits ("22" → 0 and 2, "0.50" → 2
   * and 2). Null for powers and scaled forms, which are never taken for roundings.
   */
  precision: { decimals: number; digits: number } | null;
}

const SUPERSCRIPT: Record<string, string> = {
  '⁰': '0',
  '¹': '1',
  '²': '2',
  '³': '3',
  '⁴': '4',
  '⁵': '5',
  '⁶': '6',
  '⁷': '7',
  '⁸': '8',
  '⁹': '9',
  '⁻': '-',
  '⁺': '+',
};

/** Flattens the math both abstracts (LaTeX) and explanations (Unicode, ASCII) use into one plain form. */
export function plainMath(text: string): string {
  return (
    normalizeBreaks(text)
      .replace(/(\d)\{,\}(?=\d)/g, '$1,') // 1{,}000
      .replace(/(\d)\\[,;: ]\s*(?=\d{3}(?!\d))/g, '$1') // 100\,000 (thin-space thousands)
      .replace(/\\[,;:!]/g, ' ') // spacing commands, before braces are flattened: 10^{\,5}
      .replace(/\\(?:times|cdot)(?![a-zA-Z])|[·⋅]/g, ' × ')
      .replace(/\\%/g, '%')
      .replace(/[−‒]/g, '-') // Unicode minus; en/em dashes stay: they separate ranges
      .replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+/g, (m) => `^${[...m].map((c) => SUPERSCRIPT[c] ?? '').join('')}`)
      // Braced exponents, twice for one level of nesting: 10^{5}, 10^{\,5}.
      .replace(/\^\s*\{\s*([^{}]*?)\s*\}/g, '^$1')
      .replace(/\^\s*\{\s*([^{}]*?)\s*\}/g, '^$1')
      .replace(/\\[a-zA-Z]+|\\./g, ' ')
      .replace(/[{}$~]/g, ' ')
  );
}

// mantissa ( e-exponent | "× 10^k" | "^k" )? percent?
const NUMBER =
  /(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE]([+-]?\d+)|\s*[×xX*]\s*10\s*\^\s*([+-]?\d+(?:\.\d+)?)|\s*\^\s*([+-]?\d+(?:\.\d+)?))?(\s*%|\s+per\s?cent(?![\p{L}])|\s+percent(?![\p{L}]))?/gu;

const SCALE: Record<string, number> = {
  hundred: 1e2,
  thousand: 1e3,
  million: 1e6,
  billion: 1e9,
  trillion: 1e12,
};
// Sticky: tried exactly where a number ended, without copying the rest of the text.
const SCALE_AFTER = /\s+(hundred|thousand|million|billion|trillion)(?![\p{L}])/iuy;
const LETTERS_AFTER = /\p{L}+/uy;

/**
 * Letters that may directly follow a number that is still a measurement ("1.4GHz", "5σ", "10th"). Any other glued
 * letters make the digits part of a name ("2MASS", "SN1987A", "3D").
 */
const UNITS = new Set(
  (
    'kpc mpc gpc pc ly au km cm mm nm µm μm um m ghz mhz khz hz kev mev gev tev pev eev ev erg k mk gyr myr kyr yr ' +
    'yrs s ms ns mag mas arcsec arcmin deg σ sigma x kg g msun jy mjy μjy w dex st nd rd th'
  ).split(' '),
);

function readMatch(m: RegExpMatchArray): { value: number; parts: number[] } {
  const mantissa = Number((m[1] ?? '').replace(/,/g, ''));
  const exponent = m[2] ?? m[3];
  if (exponent !== undefined) {
    const parts = m[2] !== undefined ? [mantissa, Number(exponent)] : [mantissa, 10, Number(exponent)];
    return { value: mantissa * 10 ** Number(exponent), parts };
  }
  if (m[4] !== undefined) return { value: mantissa ** Number(m[4]), parts: [mantissa, Number(m[4])] };
  return { value: mantissa, parts: [] };
}

/**
 * Numbers in `text`. With `names: 'skip'` (for the text under test), digits glued to a name are not numbers:
 * "GW170817", "DR3", "M31", "H2O", "Kepler-62", "2MASS", subscripts "t_90" and exponents of units "s^-1".
 * With `names: 'keep'` (for the reference text) every digit run counts, so a name copied across always matches.
 */
export function extractNumbers(text: string, names: 'skip' | 'keep'): NumberToken[] {
  return extractFromPlain(plainMath(text), names);
}

/** `extractNumbers` for text already passed through `plainMath`. */
export function extractFromPlain(plain: string, names: 'skip' | 'keep'): NumberToken[] {
  const out: NumberToken[] = [];
  for (const m of plain.matchAll(NUMBER)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const percent = m[5] !== undefined;
    if (names === 'skip') {
      const prev = plain[start - 1] ?? ' ';
      if (/[\p{L}_^]/u.test(prev)) continue;
      // "Kepler-62" is a name; "s^-1", "cm^-3" are exponents of units.
      if ((prev === '-' || prev === '+') && /[\p{L}^]/u.test(plain[start - 2] ?? ' ')) continue;
      LETTERS_AFTER.lastIndex = end;
      const glued = LETTERS_AFTER.exec(plain)?.[0];
      if (glued && !percent && !UNITS.has(glued.toLowerCase())) continue;
    }
    const { value, parts } = readMatch(m);
    SCALE_AFTER.lastIndex = end;
    const scale = percent ? null : SCALE_AFTER.exec(plain);
    const factor = scale ? (SCALE[(scale[1] ?? '').toLowerCase()] ?? 1) : 1;
    const mantissa = (m[1] ?? '').replace(/,/g, '');
    out.push({
      raw: scale ? `${m[0].trim()} ${scale[1]}` : m[0].trim(),
      value: Math.abs(value * factor),
      percent,
      parts: (scale ? [value] : parts).map(Math.abs),
      precision:
        scale || parts.length > 0
          ? null
          : {
              decimals: mantissa.split('.')[1]?.length ?? 0,
              digits: mantissa.replace('.', '').replace(/^0+/, '').length,
            },
    });
  }
  return out;
}

const WORD_VALUES: Record<string, number> = {
  zero: 0,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  twice: 2,
  double: 2,
  thrice: 3,
  triple: 3,
  half: 0.5,
  quarter: 0.25,
  dozen: 12,
  dozens: 12,
  hundred: 100,
  hundreds: 100,
  thousand: 1e3,
  thousands: 1e3,
  million: 1e6,
  millions: 1e6,
  billion: 1e9,
  billions: 1e9,
};

/**
 * Values of spelled numbers: "six" → 6, "twenty-five" → 25, "two hundred" → 200, "twice" → 2, "half" → 0.5.
 * Left out: words for 1 ("one", "single") and ordinals ("first", "fourth"). Abstracts use them as idiom or labels
 * ("one of the", "the fourth data release"), so they would license invented numbers — in the seed's rejected rows
 * they let through "1 au", "1 meter" and "beyond 4 kpc".
 */
const DIGIT_WORDS = 'one|two|three|four|five|six|seven|eight|nine';
/** Number words, an optional "-five" after a tens word, an optional scale word after: one pass, no tokenising. */
const SPELLED = new RegExp(
  `\\b(${Object.keys(WORD_VALUES).join('|')})(?:-(${DIGIT_WORDS}))?\\b(?:\\s+(hundred|thousand|million|billion)s?\\b)?`,
  'gi',
);
const DIGIT_VALUES: Record<string, number> = Object.fromEntries(
  DIGIT_WORDS.split('|').map((w, i) => [w, i + 1]),
);

export function spelledNumbers(text: string): number[] {
  const values: number[] = [];
  for (const m of text.matchAll(SPELLED)) {
    let value = WORD_VALUES[(m[1] ?? '').toLowerCase()] ?? 0;
    const unit = m[2] === undefined ? undefined : DIGIT_VALUES[m[2].toLowerCase()];
    if (unit !== undefined && value >= 20 && value < 100) value += unit; // twenty-five
    values.push(value);
    const scale = m[3] === undefined ? undefined : SCALE[m[3].toLowerCase()];
    if (scale !== undefined) values.push(value * scale); // two hundred
  }
  return values;
}

/** A comparison key that makes 0.50 == 0.5 and 1e5 == 100000 despite floating-point noise. */
export function numberKey(value: number): string {
  return String(Number(Math.abs(value).toPrecision(10)));
}
