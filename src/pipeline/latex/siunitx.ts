import { SYMBOLS } from './latexSymbols';

/**
 * siunitx quantities as plain text: `\SI{1.6e-3}{\erg\per\second\per\square\cm}` reads "1.6×10^-3 erg s^-1 cm^-2",
 * `\SI{2}{Myr}` reads "2 Myr". Numbers and unit strings arrive as source text (they are short); anything this
 * does not know falls back to the general converter, so a unit written as text stays as written.
 */

/** siunitx unit macros and the symbols they print; an unknown `\name` prints `name` (DeclareSIUnit'd units). */
const UNITS: Readonly<Record<string, string>> = {
  metre: 'm',
  meter: 'm',
  m: 'm',
  second: 's',
  s: 's',
  kilogram: 'kg',
  kg: 'kg',
  gram: 'g',
  g: 'g',
  kelvin: 'K',
  K: 'K',
  ampere: 'A',
  mole: 'mol',
  candela: 'cd',
  hertz: 'Hz',
  Hz: 'Hz',
  newton: 'N',
  pascal: 'Pa',
  joule: 'J',
  watt: 'W',
  W: 'W',
  coulomb: 'C',
  volt: 'V',
  ohm: 'Ω',
  tesla: 'T',
  gauss: 'G',
  erg: 'erg',
  electronvolt: 'eV',
  eV: 'eV',
  keV: 'keV',
  MeV: 'MeV',
  GeV: 'GeV',
  TeV: 'TeV',
  jansky: 'Jy',
  Jy: 'Jy',
  mJy: 'mJy',
  astronomicalunit: 'au',
  au: 'au',
  AU: 'au',
  parsec: 'pc',
  pc: 'pc',
  kpc: 'kpc',
  Mpc: 'Mpc',
  Gpc: 'Gpc',
  lightyear: 'ly',
  year: 'yr',
  yr: 'yr',
  Myr: 'Myr',
  Gyr: 'Gyr',
  kyr: 'kyr',
  day: 'd',
  hour: 'h',
  minute: 'min',
  angstrom: 'Å',
  micron: 'μm',
  cm: 'cm',
  km: 'km',
  mm: 'mm',
  um: 'μm',
  nm: 'nm',
  degree: '°',
  arcminute: '′',
  arcmin: '′',
  arcsecond: '″',
  arcsec: '″',
  radian: 'rad',
  steradian: 'sr',
  percent: '%',
  solarmass: 'M☉',
  solarradius: 'R☉',
  solarluminosity: 'L☉',
  Msun: 'M☉',
  Msol: 'M☉',
  Lsun: 'L☉',
  Rsun: 'R☉',
  earthmass: 'M⊕',
  jupitermass: 'M_J',
  bar: 'bar',
  barn: 'b',
  liter: 'L',
  litre: 'L',
  magnitude: 'mag',
  mag: 'mag',
  dex: 'dex',
};

const PREFIXES: Readonly<Record<string, string>> = {
  yocto: 'y',
  zepto: 'z',
  atto: 'a',
  femto: 'f',
  pico: 'p',
  nano: 'n',
  micro: 'μ',
  milli: 'm',
  centi: 'c',
  deci: 'd',
  deca: 'da',
  deka: 'da',
  hecto: 'h',
  kilo: 'k',
  mega: 'M',
  giga: 'G',
  tera: 'T',
  peta: 'P',
  exa: 'E',
  zetta: 'Z',
  yotta: 'Y',
};

/** siunitx's own words; a name known only to the general converter (`\odot`) means the unit is plain math. */
function isUnitKeyword(name: string): boolean {
  return (
    name in UNITS ||
    name in PREFIXES ||
    name in POWER_BEFORE ||
    name in POWER_AFTER ||
    name === 'per' ||
    name === 'tothe' ||
    name === 'raiseto' ||
    !(name in SYMBOLS)
  );
}

const POWER_BEFORE: Readonly<Record<string, string>> = { square: '2', cubic: '3' };
const POWER_AFTER: Readonly<Record<string, string>> = { squared: '2', cubed: '3' };

/** `1.6e-3` → `1.6×10^-3`, `e-12` → `10^-12`, `+-` → `±`, `2x3` → `2×3`; other text kept. */
export function formatSiNumber(raw: string, toText: (latex: string) => string): string {
  const text = toText(raw.replace(/\+-/g, '\\pm ').replace(/(\d)\s*x\s*(\d)/g, '$1\\times $2'));
  return text.replace(
    /(^|[^\p{L}\d.])(\d*(?:\.\d+)?)[eE]([-+]?\d+)(?![\p{L}\d])/gu,
    (_m, pre, mantissa, exp) => {
      const power = `10^${exp.replace(/^\+/, '')}`;
      return `${pre}${mantissa === '' ? power : `${mantissa}×${power}`}`;
    },
  );
}

/**
 * A siunitx unit argument as text: `\kilo\metre\per\second` → `km s^-1`, `\gram\per\square\cm` → `g cm^-2`,
 * `\erg` → `erg`, `Myr` → `Myr`. Units are separated by spaces, as siunitx prints them.
 */
export function formatSiUnit(raw: string, toText: (latex: string) => string): string {
  const names = (raw.match(/\\[A-Za-z]+/g) ?? []).map((m) => m.slice(1));
  // Written as math (`M_\odot yr^{-1}`) rather than with unit macros: read it as math.
  if (!names.some(isUnitKeyword)) return toText(`$${raw}$`).trim();
  const units: string[] = [];
  let prefix = '';
  let powerBefore = '';
  let per = false;
  let literal = '';
  const flushLiteral = () => {
    const text = toText(literal).trim();
    if (text !== '') units.push(text);
    literal = '';
  };
  const push = (symbol: string) => {
    flushLiteral();
    let power = powerBefore;
    if (per) power = power === '' ? '-1' : `-${power}`;
    units.push(`${prefix}${symbol}${power === '' ? '' : `^${power}`}`);
    prefix = '';
    powerBefore = '';
    per = false;
  };
  const token = /\\([A-Za-z]+)\s*(?:\{([^{}]*)\})?|([^\\]+)|\\./g;
  for (let m = token.exec(raw); m; m = token.exec(raw)) {
    const [, name, braced, text] = m;
    if (text !== undefined) {
      literal += text.replace(/[~.]/g, ' ');
      continue;
    }
    if (name === undefined) continue;
    if (name === 'per') {
      flushLiteral();
      per = true;
    } else if (name in PREFIXES) prefix += PREFIXES[name];
    else if (name in POWER_BEFORE) powerBefore = POWER_BEFORE[name]!;
    else if (name in POWER_AFTER || name === 'tothe' || name === 'raiseto') {
      flushLiteral();
      const power = name in POWER_AFTER ? POWER_AFTER[name]! : (braced ?? '').trim();
      const last = units.pop();
      if (last !== undefined)
        units.push(
          last.endsWith('^-1')
            ? `${last.slice(0, -1)}${power}`
            : last.includes('^')
              ? last
              : `${last}^${power}`,
        );
    } else {
      push(UNITS[name] ?? name);
      // A braced argument after a unit macro is not a siunitx form we know; keep its text.
      if (braced !== undefined && name !== 'tothe') literal += braced;
    }
  }
  flushLiteral();
  return units.join(' ');
}
