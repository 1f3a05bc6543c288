/**
 * Scorecards side by side, as a markdown table (metrics down, models across) and as bar charts: the same
 * presentation for `eval` (model beside the original study's baseline) and for experiments (run beside run).
 */
import { SCORED_RULES, type Scorecard } from '../scorecard';
import { type Cell, fmt, table } from './markdown';
import { type BarValue, groupedBarsSpec, type VegaLiteSpec } from './plots';

export interface NamedCard {
  name: string;
  card: Scorecard;
}

const LINES: readonly [string, (c: Scorecard) => Cell][] = [
  ['explanations', (c) => c.n],
  ['pass: all v1 rules', (c) => c.pass_rate.all],
  ...SCORED_RULES.map((r): [string, (c: Scorecard) => Cell] => [`pass: ${r}`, (c) => c.pass_rate[r]]),
  ['ROUGE-L F1 vs teacher', (c) => (c.rouge_l === null ? null : c.rouge_l)],
  ['  (with a teacher explanation)', (c) => c.with_target],
  ['ended with EOS', (c) => c.eos_rate],
  ['repeated word 4-grams (share)', (c) => c.repeat_4gram],
  ['distinct-2', (c) => c.distinct_2],
  ['with a number not in the abstract', (c) => c.new_numbers_rate],
  ['with an entity not in the abstract', (c) => c.new_entities_rate],
  ['Flesch–Kincaid grade', (c) => (c.fk_grade === null ? null : Number(c.fk_grade.toFixed(1)))],
  ['words (mean)', (c) => Number(c.words_mean.toFixed(1))],
];

export function scorecardTable(cards: readonly NamedCard[]): string {
  return table(
    ['metric', ...cards.map((c) => c.name)],
    LINES.map(([label, get]) => [label, ...cards.map((c) => fmt(get(c.card)))]),
  );
}

/** Pass rate of each v1 rule (and all together), one bar per model. */
export function passRateSpec(cards: readonly NamedCard[], title: string): VegaLiteSpec {
  const values: BarValue[] = [];
  for (const rule of [...SCORED_RULES, 'all'] as const) {
    for (const c of cards) values.push({ category: rule, series: c.name, value: c.card.pass_rate[rule] });
  }
  return groupedBarsSpec(values, {
    title,
    xTitle: 'v1 validator rule',
    yTitle: 'share of explanations passing',
    max: 1,
  });
}

/** The 0–1 figures of the card (higher or lower is better as the label says), one bar per model. */
export function qualitySpec(cards: readonly NamedCard[], title: string): VegaLiteSpec {
  const metrics: [string, (c: Scorecard) => number | null][] = [
    ['ROUGE-L (↑)', (c) => c.rouge_l],
    ['ended with EOS (↑)', (c) => c.eos_rate],
    ['repeated 4-grams (↓)', (c) => c.repeat_4gram],
    ['distinct-2 (↑)', (c) => c.distinct_2],
    ['new numbers (↓)', (c) => c.new_numbers_rate],
    ['new entities (↓)', (c) => c.new_entities_rate],
  ];
  const values: BarValue[] = [];
  for (const [label, get] of metrics) {
    for (const c of cards) {
      const v = get(c.card);
      if (v !== null) values.push({ category: label, series: c.name, value: v });
    }
  }
  return groupedBarsSpec(values, {
    title,
    subtitle: 'missing bars: not measurable (no teacher explanation, or EOS unknown)',
    xTitle: 'measure',
    yTitle: 'mean or share (0–1)',
    max: 1,
  });
}
