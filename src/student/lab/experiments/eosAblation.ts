/**
 * eos-ablation: the original study's second finding, that without explicit EOS supervision generation does not
 * stop and collapses into repetition. The same rows, seed and schedule trained twice, with and without the EOS
 * token supervised (data.superviseEos); every training abstract decoded greedily by both, with room to run past
 * the target. Passes when the EOS-supervised model stops by itself on at least eos-ablation.minEosRate of the
 * rows, and the other stops less often and repeats more. Repetition is counted in the generated tokens (share of
 * repeated token 4-grams): what a model emits after an explanation it cannot end may be a loop of line breaks or
 * punctuation, which adds no words; the word-level figures are reported beside it.
 */
import type { DecodedRow } from '../decode';
import {
  type ExperimentContext,
  type ExperimentResult,
  experimentGeneration,
  reportHead,
  runConfig,
  trainAndDecode,
  writeResolvedConfig,
} from '../experiment';
import { figure, fmt, table } from '../report/markdown';
import { lengthStripSpec, lossCurvesSpec } from '../report/plots';
import { renderPlot } from '../report/render';
import { qualitySpec, scorecardTable } from '../report/scorecardReport';
import { trainingRows } from '../rows';
import { type Scorecard, scoreAll } from '../scorecard';

const RUNS = [
  { label: 'with-eos', superviseEos: true },
  { label: 'without-eos', superviseEos: false },
] as const;

function tokenRepeat(decoded: readonly DecodedRow[]): number {
  return decoded.reduce((a, d) => a + d.tokenRepeat4, 0) / decoded.length;
}

function figures(card: Scorecard, decoded: readonly DecodedRow[]) {
  return {
    eos_rate: card.eos_rate,
    token_repeat_4gram: tokenRepeat(decoded),
    repeat_4gram: card.repeat_4gram,
    distinct_2: card.distinct_2,
    words_mean: card.words_mean,
    exact: decoded.filter((d) => d.exact).length,
  };
}

export async function eosAblation(ctx: ExperimentContext): Promise<ExperimentResult> {
  const settings = ctx.lab.eosAblation;
  const rows = trainingRows(ctx.rows, settings.rows, ctx.dataFile);
  const configs = Object.fromEntries(
    RUNS.map((r) => [
      r.label,
      runConfig(ctx, {
        label: r.label,
        rows,
        steps: settings.steps,
        adjust: (c) => ({ ...c, data: { ...c.data, superviseEos: r.superviseEos } }),
      }),
    ]),
  );
  const generation = experimentGeneration(ctx, rows);
  writeResolvedConfig(ctx, settings, configs, generation);

  const results = [];
  for (const r of RUNS) {
    const { run, decoded } = await trainAndDecode(ctx, configs[r.label]!, r.label, rows, generation);
    results.push({ ...r, run, decoded, ...scoreAll(decoded, ctx.validators) });
  }
  const [withEos, withoutEos] = results as [(typeof results)[0], (typeof results)[0]];
  const stops = withEos.card.eos_rate! >= settings.minEosRate;
  const repeats = { with: tokenRepeat(withEos.decoded), without: tokenRepeat(withoutEos.decoded) };
  const collapse = withoutEos.card.eos_rate! < withEos.card.eos_rate! && repeats.without > repeats.with;
  const pass = stops && collapse;

  await renderPlot(
    lossCurvesSpec([...withEos.run.losses, ...withoutEos.run.losses], 'eos-ablation: training loss'),
    ctx.folder.file('loss'),
  );
  await renderPlot(
    qualitySpec(
      results.map((r) => ({ name: r.label, card: r.card })),
      'eos-ablation: stopping and repetition',
    ),
    ctx.folder.file('stopping'),
  );
  await renderPlot(
    lengthStripSpec(
      results.flatMap((r) => r.scores.map((s) => ({ series: r.label, words: s.words }))),
      {
        title: 'eos-ablation: length of each output',
        subtitle: `generation capped at ${generation.maxNewTokens} tokens`,
      },
    ),
    ctx.folder.file('lengths'),
  );
  const worstIndex = withoutEos.decoded.reduce(
    (best, d, i, all) => (d.tokenRepeat4 > all[best]!.tokenRepeat4 ? i : best),
    0,
  );
  const worst = withoutEos.decoded[worstIndex]!;
  const report = [
    reportHead(
      ctx,
      'Experiment eos-ablation: does generation stop without EOS supervision?',
      pass,
      `with EOS supervised ${fmt(withEos.card.eos_rate)} of outputs stop by themselves (≥ ${settings.minEosRate} required); ` +
        `without, ${fmt(withoutEos.card.eos_rate)}, repeating ${fmt(repeats.without)} of its token 4-grams against ${fmt(repeats.with)}.`,
    ),
    '## Result',
    '',
    table(
      ['measure', ...RUNS.map((r) => r.label)],
      [
        ['stopped by EOS', fmt(withEos.card.eos_rate), fmt(withoutEos.card.eos_rate)],
        ['repeated token 4-grams (share)', fmt(repeats.with), fmt(repeats.without)],
        [
          'tokens generated (mean)',
          ...[withEos, withoutEos].map((r) =>
            fmt(r.decoded.reduce((a, d) => a + d.tokens, 0) / rows.length, 1),
          ),
        ],
        ['repeated word 4-grams (share)', fmt(withEos.card.repeat_4gram), fmt(withoutEos.card.repeat_4gram)],
        ['distinct-2', fmt(withEos.card.distinct_2), fmt(withoutEos.card.distinct_2)],
        ['words (mean)', fmt(withEos.card.words_mean, 1), fmt(withoutEos.card.words_mean, 1)],
        [
          'exact matches',
          ...[withEos, withoutEos].map((r) => `${r.decoded.filter((d) => d.exact).length}/${rows.length}`),
        ],
        ['final training loss', fmt(withEos.run.finalLoss, 4), fmt(withoutEos.run.finalLoss, 4)],
      ],
    ),
    '',
    `Generation: greedy, at most ${generation.maxNewTokens} new tokens (1.5 × the longest target unless the experiments config sets maxNewTokens).`,
    '',
    figure('stopping.png', 'stopping and repetition'),
    '',
    figure('lengths.png', 'output lengths'),
    '',
    figure('loss.png', 'training loss'),
    '',
    '## Scorecards',
    '',
    scorecardTable(results.map((r) => ({ name: r.label, card: r.card }))),
    '',
    `## The most repetitive output without EOS supervision (${worst.id})`,
    '',
    `Generated ${worst.tokens} tokens, ${fmt(worst.tokenRepeat4)} of its token 4-grams repeated; as JSON (line breaks visible):`,
    '',
    `\`${JSON.stringify(worst.explanation)}\``,
    '',
  ].join('\n');
  return {
    pass,
    report: ctx.folder.writeText('report.md', report),
    with_eos: figures(withEos.card, withEos.decoded),
    without_eos: figures(withoutEos.card, withoutEos.decoded),
    of: rows.length,
  };
}
