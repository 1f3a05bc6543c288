/**
 * decoding: the original study's third finding, that generation stability depends strongly on the decoding
 * configuration. One model (EOS supervised) trained on all but decoding.heldOut rows; the held-out abstracts,
 * which it has not memorised, decoded under every setting of decoding.settings (greedy; repetition penalties;
 * no-repeat n-gram sizes; EOS held back until the v1 minimum word count's worth of tokens). A table of style
 * compliance (the v1 validators) and repetition per setting. Passes when the settings' repeated-4-gram shares
 * differ by at least decoding.minSpread: the decoding configuration changes stability measurably.
 */
import { decodeRows, withModel } from '../decode';
import {
  type ExperimentContext,
  type ExperimentResult,
  experimentGeneration,
  note,
  reportHead,
  runConfig,
  targetLengths,
  writeResolvedConfig,
} from '../experiment';
import { figure, fmt, table } from '../report/markdown';
import { type BarValue, groupedBarsSpec, lengthStripSpec, lossCurvesSpec } from '../report/plots';
import { renderPlot } from '../report/render';
import { passRateSpec, scorecardTable } from '../report/scorecardReport';
import { trainingRows } from '../rows';
import { type ExplanationScore, type Scorecard, scoreAll } from '../scorecard';
import { trainRun } from '../training';

export async function decoding(ctx: ExperimentContext): Promise<ExperimentResult> {
  const settings = ctx.lab.decoding;
  const all = trainingRows(ctx.rows, settings.rows, ctx.dataFile);
  const train = all.slice(0, all.length - settings.heldOut);
  const heldOut = all.slice(all.length - settings.heldOut);
  const config = runConfig(ctx, { label: 'model', rows: train, steps: settings.steps });
  const minWords = settings.minWords ?? ctx.validators.minWords;
  const holdTokens = Math.ceil(minWords * targetLengths(train).tokensPerWord);
  const holds = settings.settings.some((s) => s.holdEos);
  const generation = experimentGeneration(ctx, all, holds ? holdTokens : 0);
  writeResolvedConfig(ctx, { ...settings, minWords, holdTokens }, { model: config }, generation);

  const run = await trainRun(config, 'model', ctx.folder, ctx.hooks);
  const results: { name: string; card: Scorecard; scores: ExplanationScore[] }[] = [];
  await withModel(run.checkpoint, async (model) => {
    for (const s of settings.settings) {
      const decoded = await decodeRows(
        model,
        heldOut,
        {
          generation: {
            ...generation,
            repetitionPenalty: s.repetitionPenalty,
            noRepeatNgramSize: s.noRepeatNgramSize,
          },
          minNewTokens: s.holdEos ? Math.min(holdTokens, generation.maxNewTokens) : 0,
        },
        { folder: ctx.folder, label: s.name },
      );
      note(ctx, `decoding: ${s.name} done (${results.length + 1}/${settings.settings.length})`);
      results.push({ name: s.name, ...scoreAll(decoded, ctx.validators) });
    }
  });
  const repeats = results.map((r) => r.card.repeat_4gram);
  const spread = Math.max(...repeats) - Math.min(...repeats);
  const pass = spread >= settings.minSpread;
  const cards = results.map((r) => ({ name: r.name, card: r.card }));

  const bars: BarValue[] = results.flatMap((r) => [
    { category: r.name, series: 'repeated 4-grams (↓)', value: r.card.repeat_4gram },
    { category: r.name, series: 'distinct-2 (↑)', value: r.card.distinct_2 },
    { category: r.name, series: 'ended with EOS', value: r.card.eos_rate ?? 0 },
    { category: r.name, series: 'ROUGE-L vs teacher (↑)', value: r.card.rouge_l ?? 0 },
  ]);
  await renderPlot(
    groupedBarsSpec(bars, {
      title: 'decoding: repetition and stopping per setting',
      subtitle: `${heldOut.length} held-out abstracts; spread of repeated 4-grams ${fmt(spread)}`,
      xTitle: 'decoding setting',
      yTitle: 'mean or share (0–1)',
      max: 1,
    }),
    ctx.folder.file('repetition'),
  );
  await renderPlot(
    passRateSpec(cards, 'decoding: v1 style compliance per setting'),
    ctx.folder.file('compliance'),
  );
  await renderPlot(
    lengthStripSpec(
      results.flatMap((r) => r.scores.map((s) => ({ series: r.name, words: s.words }))),
      {
        title: 'decoding: length of each output',
        subtitle: `shaded: the v1 range ${ctx.validators.minWords}–${ctx.validators.maxWords} words`,
        range: { min: ctx.validators.minWords, max: ctx.validators.maxWords },
      },
    ),
    ctx.folder.file('lengths'),
  );
  await renderPlot(
    lossCurvesSpec(run.losses, `decoding: training loss on ${train.length} rows`),
    ctx.folder.file('loss'),
  );

  const report = [
    reportHead(
      ctx,
      'Experiment decoding: one model, several decoding settings',
      pass,
      `the share of repeated word 4-grams ranges over ${fmt(spread)} across ${results.length} settings (at least ${settings.minSpread} required).`,
    ),
    `Trained on ${train.length} rows (final loss ${fmt(run.finalLoss, 4)}); decoded on the ${heldOut.length} held-out rows ` +
      `(${heldOut.map((r) => r.id).join(', ')}), at most ${generation.maxNewTokens} new tokens. "hold-eos" suppresses EOS for ` +
      `the first ${holdTokens} tokens: ${minWords} words (the v1 minimum) at ${fmt(targetLengths(train).tokensPerWord, 2)} tokens a word in the training targets.`,
    '',
    '## Per setting',
    '',
    table(
      [
        'setting',
        'penalty',
        'no-repeat n',
        'hold EOS',
        'pass all',
        'word range',
        'repeated 4-grams',
        'distinct-2',
        'EOS',
        'words',
        'ROUGE-L',
      ],
      results.map((r, i) => {
        const s = settings.settings[i]!;
        return [
          r.name,
          s.repetitionPenalty,
          s.noRepeatNgramSize,
          s.holdEos,
          fmt(r.card.pass_rate.all),
          fmt(r.card.pass_rate.word_range),
          fmt(r.card.repeat_4gram),
          fmt(r.card.distinct_2),
          fmt(r.card.eos_rate),
          fmt(r.card.words_mean, 1),
          fmt(r.card.rouge_l),
        ];
      }),
    ),
    '',
    figure('repetition.png', 'repetition and stopping per setting'),
    '',
    figure('compliance.png', 'v1 compliance per setting'),
    '',
    figure('lengths.png', 'output lengths per setting'),
    '',
    figure('loss.png', 'training loss'),
    '',
    '## Scorecards',
    '',
    scorecardTable(cards),
    '',
    'The outputs of each setting are in `outputs-<setting>.jsonl`.',
    '',
  ].join('\n');
  return {
    pass,
    report: ctx.folder.writeText('report.md', report),
    spread,
    settings: Object.fromEntries(
      results.map((r) => [
        r.name,
        {
          repeat_4gram: r.card.repeat_4gram,
          distinct_2: r.card.distinct_2,
          eos_rate: r.card.eos_rate,
          pass_all: r.card.pass_rate.all,
          words_mean: r.card.words_mean,
        },
      ]),
    ),
    held_out: heldOut.length,
  };
}
