// Turns the `validators:` section of a config file into a full ValidatorConfig, rejecting anything it cannot mean.
import { ConfigReader, show } from '../../core/configFields';
import { extractNumbers } from './numberForms';
import { defaultValidatorConfig, type RuleName, ruleNames, type ValidatorConfig } from './types';

const reader = new ConfigReader(
  'Fix the `validators:` section of configs/pipeline.yaml; every key, its type and default are documented there.',
);
const bad = (path: string, message: string): never => reader.bad(path, message);
const record = reader.record.bind(reader);
const int = reader.int.bind(reader);
const bool = reader.bool.bind(reader);
const strings = reader.strings.bind(reader);
const share = (v: unknown, path: string, fallback: number): number => reader.number(v, path, 0, 1, fallback);

function paragraphs(v: unknown, path: string): ValidatorConfig['paragraphs'] {
  if (v === undefined) return defaultValidatorConfig.paragraphs;
  // A bare number asks for an exact count; a mapping gives a range.
  if (typeof v === 'number') {
    const n = int(v, path, 1, 0);
    return { min: n, max: n };
  }
  const r = record(v, path, ['min', 'max']);
  const min = int(r['min'], `${path}.min`, 1, defaultValidatorConfig.paragraphs.min);
  const max = int(r['max'], `${path}.max`, 1, Math.max(min, defaultValidatorConfig.paragraphs.max));
  if (min > max) bad(path, `min (${min}) is greater than max (${max})`);
  return { min, max };
}

/**
 * Merges `partial` (a parsed YAML/JSON object, or null/undefined for "all defaults") over `defaultValidatorConfig`.
 * Mappings merge key by key; lists replace the default list. `where` names the section in messages.
 */
export function loadValidatorConfig(partial: unknown, where = 'validators'): ValidatorConfig {
  if (partial === undefined || partial === null) return defaultValidatorConfig;
  const d = defaultValidatorConfig;
  const top = record(partial, where, [
    'minWords',
    'maxWords',
    'paragraphs',
    'minParagraphWords',
    'bannedPhrases',
    'copy',
    'numbers',
    'format',
    'disabled',
  ]);
  const minWords = int(top['minWords'], `${where}.minWords`, 0, d.minWords);
  const maxWords = int(top['maxWords'], `${where}.maxWords`, 1, d.maxWords);
  if (minWords > maxWords) bad(where, `minWords (${minWords}) is greater than maxWords (${maxWords})`);

  const copyIn = record(top['copy'] ?? {}, `${where}.copy`, ['maxSharedRun', 'ngramSize', 'maxNgramShare']);
  const numbersIn = record(top['numbers'] ?? {}, `${where}.numbers`, [
    'maxNew',
    'spelledInAbstract',
    'percentMatchesFraction',
    'allowRounding',
    'allowed',
  ]);
  const formatKeys = Object.keys(d.format) as (keyof ValidatorConfig['format'])[];
  const formatIn = record(top['format'] ?? {}, `${where}.format`, formatKeys);
  const format = { ...d.format };
  for (const key of formatKeys) format[key] = bool(formatIn[key], `${where}.format.${key}`, d.format[key]);

  const disabled = strings(top['disabled'], `${where}.disabled`, d.disabled).map((name, i) => {
    if (!(ruleNames as readonly string[]).includes(name)) {
      bad(`${where}.disabled[${i}]`, `unknown rule ${show(name)} (rules: ${ruleNames.join(', ')})`);
    }
    return name as RuleName;
  });

  return {
    minWords,
    maxWords,
    paragraphs: paragraphs(top['paragraphs'], `${where}.paragraphs`),
    minParagraphWords: int(top['minParagraphWords'], `${where}.minParagraphWords`, 0, d.minParagraphWords),
    bannedPhrases: strings(top['bannedPhrases'], `${where}.bannedPhrases`, d.bannedPhrases),
    copy: {
      maxSharedRun: int(copyIn['maxSharedRun'], `${where}.copy.maxSharedRun`, 1, d.copy.maxSharedRun),
      ngramSize: int(copyIn['ngramSize'], `${where}.copy.ngramSize`, 2, d.copy.ngramSize),
      maxNgramShare: share(copyIn['maxNgramShare'], `${where}.copy.maxNgramShare`, d.copy.maxNgramShare),
    },
    numbers: {
      maxNew: int(numbersIn['maxNew'], `${where}.numbers.maxNew`, 0, d.numbers.maxNew),
      spelledInAbstract: bool(
        numbersIn['spelledInAbstract'],
        `${where}.numbers.spelledInAbstract`,
        d.numbers.spelledInAbstract,
      ),
      percentMatchesFraction: bool(
        numbersIn['percentMatchesFraction'],
        `${where}.numbers.percentMatchesFraction`,
        d.numbers.percentMatchesFraction,
      ),
      allowRounding: bool(
        numbersIn['allowRounding'],
        `${where}.numbers.allowRounding`,
        d.numbers.allowRounding,
      ),
      allowed: strings(numbersIn['allowed'], `${where}.numbers.allowed`, d.numbers.allowed).map((s, i) => {
        if (extractNumbers(s, 'keep').length === 0)
          bad(`${where}.numbers.allowed[${i}]`, `no number in ${show(s)}`);
        return s;
      }),
    },
    format,
    disabled,
  };
}
