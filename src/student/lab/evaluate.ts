/**
 * `miniastrolm eval`: the scorecard of a model's explanations, beside the original study's untuned GPT-2 baseline
 * (the row every student must beat). Explanations come from a file (`--outputs`: anyone's model) or from a
 * student explaining every abstract of a file (`--model` + `--data`, through explainAbstract). Writes report.md,
 * scorecard.json, scores.jsonl (one line per explanation) and the figures into a run folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MiniAstroError } from '../../core/errors';
import { packageRoot } from '../../core/paths';
import type { ValidatorConfig } from '../../pipeline/validate/types';
import type { GenerationConfig } from '../config/generationConfig';
import { loadGenerationConfig } from '../config/generationConfig';
import type { TrainEvent } from '../train';
import { decodeRows, roomToGenerate, withModel } from './decode';
import { figure, fmt, table } from './report/markdown';
import { lengthStripSpec } from './report/plots';
import { renderPlot } from './report/render';
import { type NamedCard, passRateSpec, qualitySpec, scorecardTable } from './report/scorecardReport';
import { type LabRow, readLabRows } from './rows';
import { createRunFolder } from './runFolder';
import { BETTER, type ExplanationScore, type Scorecard, type ScoreInput, scoreAll } from './scorecard';

/** The original study's untuned GPT-2 outputs, read in place beside the checkout (never copied into it). */
export function defaultBaselineFile(): string | null {
  const file = path.resolve(
    packageRoot(),
    '..',
    'shared',
    'realdata',
    'miniastrogpt',
    'baseline_gpt2_v1_10.jsonl',
  );
  return existsSync(file) ? file : null;
}

export interface EvalOptions {
  /** Explanations already written: rows {id, abstract, explanation} or {id, input, output}. */
  outputsFile?: string;
  /** A student to explain `dataFile`'s abstracts. */
  modelDir?: string;
  dataFile?: string;
  /** Another model's outputs scored beside this one; null: none. */
  baselineFile: string | null;
  runsDir: string;
  validators: ValidatorConfig;
  /** Overrides of the model's generation settings (--max-new-tokens). */
  generation?: Partial<GenerationConfig>;
  now?: () => Date;
  progress?: (event: TrainEvent) => void;
}

export interface EvalResult extends Scorecard {
  report: string;
  /** The baseline's card, when one was scored. */
  baseline: (Scorecard & { file: string }) | null;
  /** The model's card on the abstracts the baseline also explained, when they are not all the same. */
  on_baseline_ids: Scorecard | null;
}

function scoreInputs(rows: readonly LabRow[], file: string): ScoreInput[] {
  const missing = rows.filter((r) => r.explanation === null).map((r) => r.id);
  if (missing.length > 0) {
    throw new MiniAstroError(
      'badInput',
      `${file}: ${missing.length} row(s) have no explanation (first: ${missing[0]}).`,
      'Each --outputs row needs "explanation" (or the original study\'s "output" text); to have a student write ' +
        'them, pass --model DIR --data FILE instead.',
    );
  }
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    explanation: r.explanation!,
    target: r.target,
    endedWithEos: r.endedWithEos,
  }));
}

async function modelInputs(
  options: EvalOptions,
  record: Parameters<typeof decodeRows>[3],
): Promise<ScoreInput[]> {
  const rows = readLabRows(options.dataFile!);
  return withModel(options.modelDir!, async (model) => {
    const chosen = { ...(model.generation ?? loadGenerationConfig()), ...options.generation };
    // configs/generation.yaml's 320 new tokens suit GPT-2's 1024 positions, not a small model's.
    const generation = {
      ...chosen,
      maxNewTokens: Math.min(chosen.maxNewTokens, roomToGenerate(model, rows)),
    };
    if (generation.maxNewTokens < chosen.maxNewTokens) {
      options.progress?.({
        type: 'note',
        message: `eval: at most ${generation.maxNewTokens} new tokens (not ${chosen.maxNewTokens}): the model has ${model.config.nPositions} positions`,
      });
    }
    return decodeRows(model, rows, { generation, minNewTokens: 0 }, record, (done, total) =>
      options.progress?.({ type: 'note', message: `eval: explained ${done}/${total}` }),
    );
  });
}

/** "yes"/"no" per headline figure: is the model's value better than the baseline's? */
function beats(model: Scorecard, baseline: Scorecard): Record<string, boolean | null> {
  const out: Record<string, boolean | null> = {};
  for (const [key, way] of Object.entries(BETTER)) {
    const a = model[key as keyof Scorecard] as number | null;
    const b = baseline[key as keyof Scorecard] as number | null;
    out[key] = a === null || b === null ? null : way === 'higher' ? a > b : a < b;
  }
  out['pass_rate.all'] = model.pass_rate.all > baseline.pass_rate.all;
  return out;
}

export async function runEval(options: EvalOptions): Promise<EvalResult> {
  if ((options.outputsFile === undefined) === (options.modelDir === undefined)) {
    throw new MiniAstroError(
      'usage',
      'eval takes either --outputs FILE, or --model DIR with --data FILE.',
      'For example: miniastrolm eval --outputs outputs.jsonl, or miniastrolm eval --model .miniastrolm/runs/student --data eval.jsonl',
    );
  }
  if (options.modelDir !== undefined && options.dataFile === undefined) {
    throw new MiniAstroError(
      'usage',
      'eval --model needs --data FILE (the abstracts to explain).',
      'Add --data FILE.',
    );
  }
  const folder = createRunFolder(options.runsDir, 'eval', (options.now ?? (() => new Date()))());
  const source = options.outputsFile ?? `${options.modelDir} on ${options.dataFile}`;
  const inputs = options.outputsFile
    ? scoreInputs(readLabRows(options.outputsFile), options.outputsFile)
    : await modelInputs(options, { folder, label: 'model' });
  const model = scoreAll(inputs, options.validators);
  for (const s of model.scores) folder.appendJsonLine('scores.jsonl', s);

  let baseline: { card: Scorecard; scores: ExplanationScore[]; file: string } | null = null;
  let onBaselineIds: Scorecard | null = null;
  if (options.baselineFile !== null) {
    const file = options.baselineFile;
    baseline = { ...scoreAll(scoreInputs(readLabRows(file), file), options.validators), file };
    const ids = new Set(baseline.scores.map((s) => s.id));
    const shared = model.scores.filter((s) => ids.has(s.id));
    if (shared.length > 0 && shared.length < model.scores.length)
      onBaselineIds = scoreAll(
        inputs.filter((i) => ids.has(i.id)),
        options.validators,
      ).card;
  }
  const cards: NamedCard[] = [{ name: 'model', card: model.card }];
  if (onBaselineIds) cards.push({ name: "model (baseline's abstracts)", card: onBaselineIds });
  if (baseline) cards.push({ name: 'baseline: untuned GPT-2', card: baseline.card });

  await renderPlot(passRateSpec(cards, 'Scorecard: v1 style compliance'), folder.file('pass_rates'));
  await renderPlot(
    qualitySpec(cards, 'Scorecard: faithfulness, repetition, stopping'),
    folder.file('quality'),
  );
  await renderPlot(
    lengthStripSpec(
      [
        ...model.scores.map((s) => ({ series: 'model', words: s.words })),
        ...(baseline?.scores.map((s) => ({ series: 'baseline: untuned GPT-2', words: s.words })) ?? []),
      ],
      {
        title: 'Scorecard: length of each explanation',
        subtitle: `shaded: the v1 range ${options.validators.minWords}–${options.validators.maxWords} words`,
        range: { min: options.validators.minWords, max: options.validators.maxWords },
      },
    ),
    folder.file('lengths'),
  );
  const versus = baseline ? beats(onBaselineIds ?? model.card, baseline.card) : null;
  const failures = new Map<string, number>();
  for (const s of model.scores)
    for (const e of s.errors) failures.set(e.split(':')[0]!, (failures.get(e.split(':')[0]!) ?? 0) + 1);
  const report = [
    '# Scorecard',
    '',
    `- Explanations: ${source} (${model.card.n})`,
    baseline
      ? `- Baseline: \`${baseline.file}\` (${baseline.card.n} explanations by the original study's untuned GPT-2: the row every student must beat)`
      : "- Baseline: none (pass --baseline FILE; the default is the original study's baseline_gpt2_v1_10.jsonl beside the checkout)",
    `- Written ${folder.dir}; per-explanation scores in scores.jsonl`,
    '',
    '## Aggregate',
    '',
    scorecardTable(cards),
    '',
    versus
      ? `Against the baseline${onBaselineIds ? " (on the baseline's abstracts)" : ''}: ${Object.entries(
          versus,
        )
          .map(([k, v]) => `${k} ${v === null ? 'n/a' : v ? 'better' : 'not better'}`)
          .join(', ')}.`
      : '',
    '',
    figure('pass_rates.png', 'pass rate per v1 rule'),
    '',
    figure('quality.png', 'faithfulness, repetition and stopping'),
    '',
    figure('lengths.png', 'explanation lengths'),
    '',
    '## Per explanation',
    '',
    table(
      [
        'id',
        'words',
        'valid',
        'ROUGE-L',
        'rep. 4-grams',
        'distinct-2',
        'EOS',
        'new numbers',
        'new entities',
        'FK grade',
      ],
      model.scores.map((s) => [
        s.id,
        s.words,
        s.valid,
        fmt(s.rougeL),
        fmt(s.repeat4gram),
        fmt(s.distinct2),
        s.endedWithEos,
        s.newNumbers.join(' ') || '–',
        s.newEntities.slice(0, 6).join(' ') || '–',
        fmt(s.fkGrade, 1),
      ]),
    ),
    '',
    failures.size > 0
      ? `Rule failures: ${[...failures].map(([rule, n]) => `${rule} ${n}`).join(', ')}.`
      : 'Every explanation passes every v1 rule.',
    '',
  ].join('\n');
  folder.writeJson('scorecard.json', {
    model: model.card,
    on_baseline_ids: onBaselineIds,
    baseline: baseline?.card ?? null,
  });
  return {
    ...model.card,
    report: folder.writeText('report.md', report),
    baseline: baseline ? { ...baseline.card, file: baseline.file } : null,
    on_baseline_ids: onBaselineIds,
  };
}
