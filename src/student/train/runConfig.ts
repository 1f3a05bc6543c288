/**
 * From what a user typed to the TrainConfig a run uses: the YAML file, then command-line overrides, with relative
 * paths resolved against the working directory (as CLI paths are). Also the config's identity for resuming: the
 * settings that shape the weight trajectory are hashed into every checkpoint, and a resume with different ones is
 * refused by name instead of silently continuing a different run. Run length (maxSteps, epochs), where files
 * live, evaluation and checkpoint cadence, and the device may change between sessions.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { MiniAstroError } from '../../core/errors';
import { type Device, loadTrainConfig, type TrainConfig } from '../config/trainConfig';

export interface TrainOverrides {
  trainFile?: string;
  /** null: no evaluation. */
  evalFile?: string | null;
  outputDir?: string;
  maxSteps?: number;
  device?: Device;
  /** ONNX Runtime CPU threads (0: one per physical core). */
  threads?: number;
}

/** Everything a training process needs to start (serialisable: it crosses process and thread boundaries). */
export interface TrainRequest {
  /** YAML file; the package's configs/student_train.yaml when absent. */
  configFile?: string;
  overrides?: TrainOverrides;
  /** Continue from the newest complete checkpoint in the output folder (a fresh start when there is none). */
  resume?: boolean;
  /** Stop (checkpoint, resumable) once this many steps are done. */
  stopAtStep?: number;
  /** Base of relative paths; default the process's working directory. */
  cwd?: string;
}

/** The output folder, or where it will be created, must not be (or lie under) a file. */
function checkOutputDir(dir: string): string {
  for (let at = dir; ; at = path.dirname(at)) {
    let isFolder: boolean;
    try {
      isFolder = statSync(at).isDirectory();
    } catch {
      if (path.dirname(at) === at) return dir;
      continue; // not there yet: created by the run
    }
    if (isFolder) return dir;
    throw new MiniAstroError(
      'badInput',
      at === dir
        ? `The output folder ${dir} is a file.`
        : `The output folder ${dir} cannot be created: ${at} is a file.`,
      'Choose a folder with --out DIR (or outputDir in the training config). The file was left untouched.',
    );
  }
}

export function applyOverrides(config: TrainConfig, overrides: TrainOverrides = {}, cwd = process.cwd()) {
  const abs = (p: string) => path.resolve(cwd, p);
  const trainFile = abs(overrides.trainFile ?? config.data.trainFile);
  const evalSource = overrides.evalFile !== undefined ? overrides.evalFile : config.data.evalFile;
  const evalFile = evalSource === null ? null : abs(evalSource);
  if (evalFile !== null && evalFile === trainFile) {
    throw new MiniAstroError(
      'usage',
      `The eval file is the training file (${trainFile}).`,
      'Evaluating on training rows reports memorisation as quality: pass another --eval file, or --no-eval.',
    );
  }
  if (overrides.maxSteps !== undefined && (!Number.isInteger(overrides.maxSteps) || overrides.maxSteps < 1)) {
    throw new MiniAstroError(
      'usage',
      `--max-steps must be an integer ≥ 1; got ${overrides.maxSteps}.`,
      'For example --max-steps 100.',
    );
  }
  const init = config.model.init;
  return {
    ...config,
    model: {
      ...config.model,
      init: init === 'gpt2' || init === 'scratch' ? init : abs(init),
    },
    data: { ...config.data, trainFile, evalFile },
    maxSteps: overrides.maxSteps ?? config.maxSteps,
    outputDir: checkOutputDir(abs(overrides.outputDir ?? config.outputDir)),
    device: overrides.device ?? config.device,
    threads: overrides.threads ?? config.threads,
  } satisfies TrainConfig;
}

export function resolveTrainConfig(request: TrainRequest): TrainConfig {
  const cwd = request.cwd ?? process.cwd();
  const file = request.configFile === undefined ? undefined : path.resolve(cwd, request.configFile);
  return applyOverrides(loadTrainConfig(file), request.overrides, cwd);
}

/** The settings that change which weights a step produces; file locations are covered by the data fingerprint. */
export function trajectoryConfig(config: TrainConfig): Record<string, unknown> {
  const { trainFile: _train, evalFile: _eval, ...data } = config.data;
  return {
    model: config.model,
    data,
    optimizer: config.optimizer,
    schedule: config.schedule,
    batchSize: config.batchSize,
    gradAccumSteps: config.gradAccumSteps,
    gradClip: config.gradClip,
    seed: config.seed,
    lora: config.lora,
  };
}

/** JSON with object keys sorted, so equal configs hash equally whatever order they were built in. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function configHash(config: TrainConfig): string {
  return createHash('sha256')
    .update(stableJson(trajectoryConfig(config)))
    .digest('hex');
}

/** Dotted paths where two trajectory configs differ (for the refusal message). */
export function configDifferences(saved: unknown, current: unknown, prefix = ''): string[] {
  if (stableJson(saved) === stableJson(current)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(saved) || !isObject(current)) return [prefix || '(config)'];
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].sort();
  return keys.flatMap((k) => configDifferences(saved[k], current[k], prefix ? `${prefix}.${k}` : k));
}
