/**
 * memorize-20: the original study's first finding, that a curated set of up to 20 rows is memorised fully. N rows
 * (memorize-20.rows), trained together; every abstract decoded greedily; passes when at least memorize-20.minExact
 * outputs equal their targets. Per-sample teacher-forced token accuracy shows how close the misses came.
 */
import { decodeRows, tokenAccuracy, withModel } from '../decode';
import {
  type ExperimentContext,
  type ExperimentResult,
  experimentGeneration,
  note,
  reportHead,
  runConfig,
  writeResolvedConfig,
} from '../experiment';
import { figure, fmt, table } from '../report/markdown';
import { groupedBarsSpec, lossCurvesSpec } from '../report/plots';
import { renderPlot } from '../report/render';
import { trainingRows } from '../rows';
import { trainRun } from '../training';

export async function memorize20(ctx: ExperimentContext): Promise<ExperimentResult> {
  const settings = ctx.lab.memorize20;
  const rows = trainingRows(ctx.rows, settings.rows, ctx.dataFile);
  const config = runConfig(ctx, { label: 'memorize', rows, steps: settings.steps });
  const generation = experimentGeneration(ctx, rows);
  writeResolvedConfig(ctx, settings, { memorize: config }, generation);

  const run = await trainRun(config, 'memorize', ctx.folder, ctx.hooks);
  const { decoded, accuracy } = await withModel(run.checkpoint, async (model) => {
    const decoded = await decodeRows(
      model,
      rows,
      { generation, minNewTokens: 0 },
      { folder: ctx.folder, label: 'memorize' },
      (done, total) => note(ctx, `memorize: decoded ${done}/${total}`),
    );
    const accuracy = [];
    for (const row of rows)
      accuracy.push(await tokenAccuracy(model, row.abstract, row.target!, config.data.superviseEos));
    return { decoded, accuracy };
  });

  const exact = decoded.filter((d) => d.exact).length;
  const pass = exact >= settings.minExact;
  const perRow = decoded.map((d, i) => ({ ...d, accuracy: accuracy[i]!.correct / accuracy[i]!.total }));
  const meanAccuracy = perRow.reduce((a, r) => a + r.accuracy, 0) / perRow.length;
  const eosRate = decoded.filter((d) => d.endedWithEos).length / decoded.length;
  await renderPlot(
    lossCurvesSpec(run.losses, `memorize-20: training loss on ${rows.length} rows`),
    ctx.folder.file('loss'),
  );
  await renderPlot(
    groupedBarsSpec(
      perRow.map((r) => ({ category: r.id, series: r.exact ? 'exact' : 'not exact', value: r.accuracy })),
      {
        title: 'memorize-20: teacher-forced token accuracy per row',
        subtitle: `${exact}/${rows.length} greedy outputs equal their target`,
        xTitle: 'row',
        yTitle: 'share of target tokens ranked first',
        max: 1,
      },
    ),
    ctx.folder.file('token_accuracy'),
  );
  const report = [
    reportHead(
      ctx,
      `Experiment memorize-20: ${rows.length} rows memorised`,
      pass,
      `${exact}/${rows.length} greedy outputs equal their target exactly (at least ${settings.minExact} required).`,
    ),
    '## Result',
    '',
    table(
      ['measure', 'value'],
      [
        ['exact matches', `${exact}/${rows.length}`],
        ['required', `≥ ${settings.minExact}`],
        ['mean teacher-forced token accuracy', fmt(meanAccuracy)],
        ['outputs that stopped by EOS', fmt(eosRate)],
        ['final training loss', fmt(run.finalLoss, 4)],
        ['steps', run.outcome.step],
        ['training time (s)', fmt(run.seconds, 1)],
      ],
    ),
    '',
    figure('loss.png', 'training loss per step'),
    '',
    figure('token_accuracy.png', 'token accuracy per row'),
    '',
    '## Per row',
    '',
    table(
      ['row', 'exact', 'token accuracy', 'stop', 'tokens'],
      perRow.map((r) => [r.id, r.exact, fmt(r.accuracy), r.stop, r.tokens]),
    ),
    '',
    'Every output is in `outputs-memorize.jsonl` (score it with `miniastrolm eval --outputs`).',
    '',
  ].join('\n');
  return {
    pass,
    report: ctx.folder.writeText('report.md', report),
    exact,
    of: rows.length,
    token_accuracy: meanAccuracy,
    eos_rate: eosRate,
    final_loss: run.finalLoss,
  };
}
