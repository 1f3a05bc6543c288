/**
 * overfit-1: can the training engine fit one explanation perfectly? One row, trained until the loss is near
 * zero; passes when the final training loss is below overfit-1.maxLoss and greedy decoding gives the target back
 * exactly. The smallest end-to-end check of data, loss masking, optimizer, checkpoint and decoder together.
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
import { figure, fmt, quote, table } from '../report/markdown';
import { lossCurvesSpec } from '../report/plots';
import { renderPlot } from '../report/render';
import { trainingRows } from '../rows';
import { trainRun } from '../training';

export async function overfit1(ctx: ExperimentContext): Promise<ExperimentResult> {
  const settings = ctx.lab.overfit1;
  const rows = trainingRows(ctx.rows, 1, ctx.dataFile);
  const config = runConfig(ctx, { label: 'overfit', rows, steps: settings.steps });
  const generation = experimentGeneration(ctx, rows);
  writeResolvedConfig(ctx, settings, { overfit: config }, generation);

  const run = await trainRun(config, 'overfit', ctx.folder, ctx.hooks);
  note(ctx, 'overfit: decoding the training row');
  const { decoded, accuracy } = await withModel(run.checkpoint, async (model) => ({
    decoded: (
      await decodeRows(model, rows, { generation, minNewTokens: 0 }, { folder: ctx.folder, label: 'overfit' })
    )[0]!,
    accuracy: await tokenAccuracy(model, rows[0]!.abstract, rows[0]!.target!, config.data.superviseEos),
  }));

  const lossOk = run.finalLoss < settings.maxLoss;
  const pass = lossOk && decoded.exact;
  await renderPlot(
    lossCurvesSpec(run.losses, 'overfit-1: training loss on one row', `threshold ${settings.maxLoss}`),
    ctx.folder.file('loss'),
  );
  const report = [
    reportHead(
      ctx,
      'Experiment overfit-1: one row, fitted exactly',
      pass,
      `final training loss ${fmt(run.finalLoss, 4)} (must be < ${settings.maxLoss}); greedy output ${decoded.exact ? 'equals' : 'differs from'} the target.`,
    ),
    '## Result',
    '',
    table(
      ['measure', 'value', 'required'],
      [
        ['final training loss', fmt(run.finalLoss, 4), `< ${settings.maxLoss}`],
        ['greedy output equals the target', decoded.exact, 'yes'],
        ['stopped by EOS', decoded.endedWithEos, '–'],
        ['teacher-forced token accuracy', `${accuracy.correct}/${accuracy.total}`, '–'],
        ['steps', run.outcome.step, '–'],
        ['training time (s)', fmt(run.seconds, 1), '–'],
      ],
    ),
    '',
    figure('loss.png', 'training loss per step'),
    '',
    `## Row ${rows[0]!.id}`,
    '',
    'Target:',
    '',
    quote(rows[0]!.target!),
    '',
    `Greedy output (${decoded.tokens} tokens, stop: ${decoded.stop}):`,
    '',
    quote(decoded.explanation || '(empty)'),
    '',
  ].join('\n');
  return {
    pass,
    report: ctx.folder.writeText('report.md', report),
    final_loss: run.finalLoss,
    exact: decoded.exact,
    stop: decoded.stop,
    token_accuracy: accuracy.correct / accuracy.total,
    steps: run.outcome.step,
  };
}
