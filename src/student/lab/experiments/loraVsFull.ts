/**
 * lora-vs-full: the same rows trained with LoRA adapters (frozen base, lora-vs-full.rank/alpha/targets at
 * lora-vs-full.lr) and with full fine-tuning (the training config's learning rate), then every training abstract
 * decoded by both; loss curves and scorecards side by side. Passes when both runs finish with their final loss
 * below their first: a like-for-like comparison was measured. Which one wins is the report's finding, not a
 * requirement. On the tiny default the base is random weights, which LoRA cannot change; the comparison the
 * study means is `--config configs/student_train.yaml` (pretrained GPT-2 124M).
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
import { lossCurvesSpec } from '../report/plots';
import { renderPlot } from '../report/render';
import { passRateSpec, qualitySpec, scorecardTable } from '../report/scorecardReport';
import { trainingRows } from '../rows';
import { type Scorecard, scoreAll } from '../scorecard';
import type { TrainedRun } from '../training';

function figures(run: TrainedRun, card: Scorecard, decoded: readonly DecodedRow[]) {
  return {
    first_loss: run.firstLoss,
    final_loss: run.finalLoss,
    seconds: run.seconds,
    exact: decoded.filter((d) => d.exact).length,
    rouge_l: card.rouge_l,
    eos_rate: card.eos_rate,
    repeat_4gram: card.repeat_4gram,
    pass_all: card.pass_rate.all,
  };
}

export async function loraVsFull(ctx: ExperimentContext): Promise<ExperimentResult> {
  const settings = ctx.lab.loraVsFull;
  const rows = trainingRows(ctx.rows, settings.rows, ctx.dataFile);
  const configs = {
    full: runConfig(ctx, { label: 'full', rows, steps: settings.steps }),
    lora: runConfig(ctx, {
      label: 'lora',
      rows,
      steps: settings.steps,
      adjust: (c) => ({
        ...c,
        optimizer: { ...c.optimizer, lr: settings.lr },
        lora: {
          ...c.lora,
          enabled: true,
          rank: settings.rank,
          alpha: settings.alpha,
          targets: settings.targets,
        },
      }),
    }),
  };
  const generation = experimentGeneration(ctx, rows);
  writeResolvedConfig(ctx, settings, configs, generation);

  const results = [];
  for (const label of ['full', 'lora'] as const) {
    const { run, decoded } = await trainAndDecode(ctx, configs[label], label, rows, generation);
    results.push({ label, run, decoded, ...scoreAll(decoded, ctx.validators) });
  }
  const [full, lora] = results as [(typeof results)[0], (typeof results)[0]];
  const learned = (r: TrainedRun) => Number.isFinite(r.finalLoss) && r.finalLoss < r.firstLoss;
  const pass = learned(full.run) && learned(lora.run);
  const cards = results.map((r) => ({ name: r.label, card: r.card }));

  await renderPlot(
    lossCurvesSpec(
      [...full.run.losses, ...lora.run.losses],
      'lora-vs-full: training loss',
      `${rows.length} rows`,
    ),
    ctx.folder.file('loss'),
  );
  await renderPlot(qualitySpec(cards, 'lora-vs-full: scorecards'), ctx.folder.file('scorecard'));
  await renderPlot(passRateSpec(cards, 'lora-vs-full: v1 style compliance'), ctx.folder.file('compliance'));
  const report = [
    reportHead(
      ctx,
      'Experiment lora-vs-full: LoRA adapters against full fine-tuning',
      pass,
      `final loss ${fmt(full.run.finalLoss, 4)} (full) and ${fmt(lora.run.finalLoss, 4)} (LoRA rank ${settings.rank}); both must fall below their first step's loss.`,
    ),
    ctx.train.model.init === 'scratch'
      ? '_The base is a model from scratch (random weights): LoRA can only adapt them. Run with `--config configs/student_train.yaml` for the comparison on pretrained GPT-2 124M._\n'
      : '',
    '## Result',
    '',
    table(
      ['measure', 'full', 'lora'],
      [
        ['learning rate', fmt(configs.full.optimizer.lr), fmt(configs.lora.optimizer.lr)],
        [
          'first / final training loss',
          ...[full, lora].map((r) => `${fmt(r.run.firstLoss, 3)} / ${fmt(r.run.finalLoss, 4)}`),
        ],
        [
          'exact matches',
          ...[full, lora].map((r) => `${r.decoded.filter((d) => d.exact).length}/${rows.length}`),
        ],
        ['ROUGE-L vs teacher', fmt(full.card.rouge_l), fmt(lora.card.rouge_l)],
        ['training time (s)', fmt(full.run.seconds, 1), fmt(lora.run.seconds, 1)],
      ],
    ),
    '',
    figure('loss.png', 'training loss, full and LoRA'),
    '',
    figure('scorecard.png', 'scorecards'),
    '',
    figure('compliance.png', 'v1 compliance'),
    '',
    '## Scorecards',
    '',
    scorecardTable(cards),
    '',
  ].join('\n');
  return {
    pass,
    report: ctx.folder.writeText('report.md', report),
    full: figures(full.run, full.card, full.decoded),
    lora: figures(lora.run, lora.card, lora.decoded),
    of: rows.length,
  };
}
