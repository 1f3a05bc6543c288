/**
 * What every experiment shares: reading its settings, data and base training config, making its run folder,
 * deriving each training run's config from the base (data file, output folder, steps), the decoding length, and
 * the common head of its report. Experiments (experiments/*.ts) are functions of an ExperimentContext; side
 * effects (clock, progress, interruption) come in through ExperimentOptions.
 */
import path from 'node:path';
import { MiniAstroError } from '../../core/errors';
import { packageRoot } from '../../core/paths';
import { loadPipelineConfig } from '../../pipeline/config/pipelineConfig';
import { countWords } from '../../pipeline/validate/text';
import type { ValidatorConfig } from '../../pipeline/validate/types';
import { type GenerationConfig, loadGenerationConfig } from '../config/generationConfig';
import {
  type Device,
  GPT2_SMALL,
  loadTrainConfig,
  type TrainConfig,
  trainConfigFrom,
} from '../config/trainConfig';
import { PromptFormat, promptTemplate } from '../data/template';
import { defaultTokenizer } from '../tokenizer';
import type { TrainEvent } from '../train';
import { type DecodedRow, decodeRows, promptRoom, withModel } from './decode';
import { type LabConfig, loadLabConfig } from './labConfig';
import { fmt } from './report/markdown';
import { type LabRow, readLabRows, writeCuratedRows } from './rows';
import { createRunFolder, type RunFolder } from './runFolder';
import { type TrainedRun, type TrainHooks, trainRun } from './training';

export const EXPERIMENT_NAMES = [
  'overfit-1',
  'memorize-20',
  'eos-ablation',
  'decoding',
  'lora-vs-full',
] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

export interface ExperimentOptions {
  /** Parent of the run folder (default .miniastrolm/runs). */
  runsDir: string;
  /** Rows instead of the experiments config's `data`. */
  dataFile?: string;
  /** A training YAML (configs/student_train.yaml for GPT-2 124M) instead of the experiments config's `train`. */
  trainConfigFile?: string;
  /** Another experiments YAML instead of configs/experiments.yaml. */
  labConfigFile?: string;
  device?: Device;
  /** Optimizer steps of every training run, instead of the experiment's own. */
  steps?: number;
  /** Base of relative paths (default the working directory). */
  cwd?: string;
  now?: () => Date;
  /** Progress as training events (the trainer's own, plus notes for the other phases). */
  progress?: (event: TrainEvent) => void;
  signal?: AbortSignal;
  intraOpThreads?: number;
}

export interface ExperimentContext {
  name: ExperimentName;
  lab: LabConfig;
  /** The base training config, paths absolute, the device applied. */
  train: TrainConfig;
  /** Where the training config came from, for the report. */
  trainSource: string;
  dataFile: string;
  rows: LabRow[];
  folder: RunFolder;
  validators: ValidatorConfig;
  generation: GenerationConfig;
  steps?: number;
  hooks: TrainHooks;
  startedAt: Date;
}

/** The scriptable result: `pass`, `report`, then the experiment's key figures. */
export interface ExperimentResult {
  pass: boolean;
  report: string;
  [figure: string]: unknown;
}

export function prepareExperiment(name: ExperimentName, options: ExperimentOptions): ExperimentContext {
  const cwd = options.cwd ?? process.cwd();
  const lab = loadLabConfig(
    options.labConfigFile === undefined ? undefined : path.resolve(cwd, options.labConfigFile),
  );
  // The shipped experiments file names package files; a user's names files relative to where they work.
  const dataBase = options.labConfigFile === undefined ? packageRoot() : cwd;
  const dataFile = options.dataFile ? path.resolve(cwd, options.dataFile) : path.resolve(dataBase, lab.data);
  const base = options.trainConfigFile
    ? loadTrainConfig(path.resolve(cwd, options.trainConfigFile))
    : trainConfigFrom(lab.train);
  const init = base.model.init;
  const train: TrainConfig = {
    ...base,
    model: { ...base.model, init: init === 'gpt2' || init === 'scratch' ? init : path.resolve(cwd, init) },
    device: options.device ?? base.device,
  };
  const rows = readLabRows(dataFile);
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const folder = createRunFolder(path.resolve(cwd, options.runsDir), name, startedAt);
  return {
    name,
    lab,
    train,
    trainSource: options.trainConfigFile ?? 'the `train` section of the experiments config (a tiny GPT-2)',
    dataFile,
    rows,
    folder,
    validators: loadPipelineConfig().validators,
    generation: loadGenerationConfig(),
    ...(options.steps !== undefined ? { steps: options.steps } : {}),
    hooks: {
      progress: options.progress ?? (() => {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    },
    startedAt,
  };
}

export interface RunSpec {
  label: string;
  rows: readonly LabRow[];
  steps: number;
  /** Changes to the base config (EOS supervision, LoRA, learning rate). */
  adjust?: (config: TrainConfig) => TrainConfig;
}

/** The training config of one run: its rows written into the run folder, its own output folder and length. */
export function runConfig(ctx: ExperimentContext, spec: RunSpec): TrainConfig {
  const trainFile = ctx.folder.file(`train-${spec.label}.jsonl`);
  writeCuratedRows(trainFile, spec.rows);
  const steps = ctx.steps ?? spec.steps;
  const config: TrainConfig = {
    ...ctx.train,
    data: { ...ctx.train.data, trainFile, evalFile: null },
    outputDir: ctx.folder.file(spec.label),
    maxSteps: steps,
    evalEvery: 0,
    checkpointEvery: steps,
    keepCheckpoints: 1,
  };
  return spec.adjust ? spec.adjust(config) : config;
}

/** Positions of the model a training config produces. */
function positions(config: TrainConfig): number {
  return config.model.init === 'scratch' ? config.model.config.nPositions : GPT2_SMALL.nPositions;
}

export interface Lengths {
  /** Mean target tokens per target word (validators' words), to turn a word count into tokens. */
  tokensPerWord: number;
  longestTarget: number;
}

export function targetLengths(rows: readonly LabRow[]): Lengths {
  const tokenizer = defaultTokenizer();
  let tokens = 0;
  let words = 0;
  let longest = 0;
  for (const row of rows) {
    if (row.target === null) continue;
    const n = tokenizer.encode(row.target.trim()).length;
    tokens += n;
    words += countWords(row.target);
    longest = Math.max(longest, n);
  }
  return { tokensPerWord: words === 0 ? 1.3 : tokens / words, longestTarget: longest };
}

/**
 * The generation config experiments decode with: configs/generation.yaml, with maxNewTokens from the experiments
 * config or else 1.5 × the longest target (room to run past the end: where a model that never learnt to stop
 * shows it), at least `atLeast` + 32, within the model's positions less the template and the abstract tokens
 * explainAbstract keeps (64, or all of a shorter abstract).
 */
export function experimentGeneration(
  ctx: ExperimentContext,
  rows: readonly LabRow[],
  atLeast = 0,
): GenerationConfig {
  const format = new PromptFormat(defaultTokenizer(), promptTemplate(ctx.train.data.promptTemplate));
  const room = promptRoom(format, positions(ctx.train), rows);
  const wanted =
    ctx.lab.maxNewTokens ?? Math.max(Math.ceil(1.5 * targetLengths(rows).longestTarget), atLeast + 32);
  if (room < 1) {
    throw new MiniAstroError(
      'badInput',
      `The model's ${positions(ctx.train)} positions leave no room to generate.`,
      'Use a model with more positions (model.config.nPositions).',
    );
  }
  return { ...ctx.generation, maxNewTokens: Math.min(wanted, room) };
}

/** The report's first lines: what ran, on what, where, and the verdict. */
export function reportHead(ctx: ExperimentContext, title: string, pass: boolean, claim: string): string {
  const m = ctx.train.model;
  const shape =
    m.init === 'scratch'
      ? `GPT-2 from scratch, ${m.config.nLayer} layers × ${m.config.nEmbd} wide, ${m.config.nPositions} positions`
      : m.init === 'gpt2'
        ? 'GPT-2 124M (pretrained)'
        : `the model in ${m.init}`;
  return [
    `# ${title}`,
    '',
    `${pass ? '**PASS**' : '**FAIL**'} — ${claim}`,
    '',
    `- Started ${ctx.startedAt.toISOString()}; run folder \`${ctx.folder.dir}\``,
    `- Data: \`${ctx.dataFile}\` (${ctx.rows.length} rows read)`,
    `- Model: ${shape}; training config from ${ctx.trainSource}; device ${ctx.train.device}`,
    `- Optimizer: AdamW lr ${fmt(ctx.train.optimizer.lr)}, batch ${ctx.train.batchSize} × ${ctx.train.gradAccumSteps}, seed ${ctx.train.seed}`,
    `- Decoding: greedy (configs/generation.yaml), repetition penalty ${ctx.generation.repetitionPenalty}, no-repeat n-gram ${ctx.generation.noRepeatNgramSize} unless a table says otherwise`,
    '',
  ].join('\n');
}

/** config.json: everything the experiment ran with (its settings, each run's training config, the decoding). */
export function writeResolvedConfig(
  ctx: ExperimentContext,
  settings: unknown,
  runs: Record<string, TrainConfig>,
  generation: GenerationConfig,
): void {
  ctx.folder.writeJson('config.json', {
    experiment: ctx.name,
    dataFile: ctx.dataFile,
    trainSource: ctx.trainSource,
    settings,
    generation,
    validators: ctx.validators,
    runs,
  });
}

export function note(ctx: ExperimentContext, message: string): void {
  ctx.hooks.progress({ type: 'note', message });
}

/** Trains one run, then decodes `rows` greedily with its final weights (outputs-<label>.jsonl). */
export async function trainAndDecode(
  ctx: ExperimentContext,
  config: TrainConfig,
  label: string,
  rows: readonly LabRow[],
  generation: GenerationConfig,
): Promise<{ run: TrainedRun; decoded: DecodedRow[] }> {
  const run = await trainRun(config, label, ctx.folder, ctx.hooks);
  const decoded = await withModel(run.checkpoint, (model) =>
    decodeRows(model, rows, { generation, minNewTokens: 0 }, { folder: ctx.folder, label }, (done, total) =>
      note(ctx, `${label}: decoded ${done}/${total}`),
    ),
  );
  return { run, decoded };
}
