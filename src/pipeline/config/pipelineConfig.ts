/**
 * configs/pipeline.yaml → one typed object for supervision: validators, teacher and judge endpoints, the loop's
 * limits and the dataset split. Defaults live here (and in the validators' own module); the YAML file documents and
 * may override them; CLI flags override the file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigReader } from '../../core/configFields';
import { describeError, MiniAstroError } from '../../core/errors';
import { packageRoot } from '../../core/paths';
import { readTextFile } from '../../core/textDecoding';
import { defaultImportLimits, type ImportLimits } from '../ingest/importRecords';
import { loadValidatorConfig } from '../validate/config';
import type { ValidatorConfig } from '../validate/types';

export interface EndpointSettings {
  baseUrl: string | null;
  model: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  maxRetries: number;
  inputCostPerMTok: number;
  outputCostPerMTok: number;
}

export interface PipelineConfig {
  validators: ValidatorConfig;
  teacher: EndpointSettings;
  judge: EndpointSettings;
  supervise: {
    maxAttempts: number;
    maxJudgeAttempts: number;
    concurrency: number;
    maxAbstractChars: number;
    minFaithfulness: number;
    minOverall: number;
  };
  dataset: { evalFraction: number; splitSalt: string };
  /** Imports of files we did not fetch: what a record may hold. */
  ingest: ImportLimits;
}

const defaultEndpoint: EndpointSettings = {
  baseUrl: null,
  model: 'gpt-4o-mini',
  temperature: 0.3,
  maxTokens: 1024,
  timeoutMs: 120_000,
  maxRetries: 4,
  inputCostPerMTok: 0.15,
  outputCostPerMTok: 0.6,
};

export const defaultPipelineConfig: Omit<PipelineConfig, 'validators'> = {
  teacher: defaultEndpoint,
  judge: { ...defaultEndpoint, temperature: 0 },
  supervise: {
    maxAttempts: 3,
    maxJudgeAttempts: 2,
    concurrency: 4,
    maxAbstractChars: 6000,
    minFaithfulness: 4,
    minOverall: 60,
  },
  dataset: { evalFraction: 0.05, splitSalt: 'miniastrolm-v1' },
  ingest: defaultImportLimits,
};

const reader = new ConfigReader(
  'Fix configs/pipeline.yaml (or the file given with --config); each key is documented there.',
);

function endpoint(v: unknown, where: string, d: EndpointSettings): EndpointSettings {
  if (v === undefined || v === null) return d;
  const r = reader.record(v, where, Object.keys(defaultEndpoint));
  return {
    baseUrl:
      r['baseUrl'] === undefined || r['baseUrl'] === null
        ? d.baseUrl
        : reader.string(r['baseUrl'], `${where}.baseUrl`, ''),
    model: reader.string(r['model'], `${where}.model`, d.model),
    temperature: reader.number(r['temperature'], `${where}.temperature`, 0, 2, d.temperature),
    maxTokens: reader.int(r['maxTokens'], `${where}.maxTokens`, 1, d.maxTokens),
    timeoutMs: reader.int(r['timeoutMs'], `${where}.timeoutMs`, 1, d.timeoutMs),
    maxRetries: reader.int(r['maxRetries'], `${where}.maxRetries`, 0, d.maxRetries),
    inputCostPerMTok: reader.number(
      r['inputCostPerMTok'],
      `${where}.inputCostPerMTok`,
      0,
      1e6,
      d.inputCostPerMTok,
    ),
    outputCostPerMTok: reader.number(
      r['outputCostPerMTok'],
      `${where}.outputCostPerMTok`,
      0,
      1e6,
      d.outputCostPerMTok,
    ),
  };
}

export function pipelineConfigFrom(parsed: unknown): PipelineConfig {
  const top =
    parsed === undefined || parsed === null
      ? {}
      : reader.record(parsed, 'pipeline.yaml', [
          'validators',
          'teacher',
          'judge',
          'supervise',
          'dataset',
          'ingest',
        ]);
  const d = defaultPipelineConfig;
  const s = reader.record(top['supervise'] ?? {}, 'supervise', Object.keys(d.supervise));
  const ds = reader.record(top['dataset'] ?? {}, 'dataset', Object.keys(d.dataset));
  const ing = reader.record(top['ingest'] ?? {}, 'ingest', Object.keys(d.ingest));
  return {
    validators: loadValidatorConfig(top['validators']),
    teacher: endpoint(top['teacher'], 'teacher', d.teacher),
    judge: endpoint(top['judge'], 'judge', d.judge),
    supervise: {
      maxAttempts: reader.int(s['maxAttempts'], 'supervise.maxAttempts', 1, d.supervise.maxAttempts),
      maxJudgeAttempts: reader.int(
        s['maxJudgeAttempts'],
        'supervise.maxJudgeAttempts',
        1,
        d.supervise.maxJudgeAttempts,
      ),
      concurrency: reader.int(s['concurrency'], 'supervise.concurrency', 1, d.supervise.concurrency),
      maxAbstractChars: reader.int(
        s['maxAbstractChars'],
        'supervise.maxAbstractChars',
        1,
        d.supervise.maxAbstractChars,
      ),
      minFaithfulness: reader.int(
        s['minFaithfulness'],
        'supervise.minFaithfulness',
        0,
        d.supervise.minFaithfulness,
      ),
      minOverall: reader.int(s['minOverall'], 'supervise.minOverall', 0, d.supervise.minOverall),
    },
    dataset: {
      evalFraction: reader.number(ds['evalFraction'], 'dataset.evalFraction', 0, 1, d.dataset.evalFraction),
      splitSalt: reader.string(ds['splitSalt'], 'dataset.splitSalt', d.dataset.splitSalt),
    },
    ingest: {
      maxAbstractChars: reader.int(
        ing['maxAbstractChars'],
        'ingest.maxAbstractChars',
        1,
        d.ingest.maxAbstractChars,
      ),
    },
  };
}

/** Reads `file`, or the package's configs/pipeline.yaml when none is given. */
export function loadPipelineConfig(file?: string): PipelineConfig {
  const target = file ?? path.join(packageRoot(), 'configs', 'pipeline.yaml');
  if (!existsSync(target)) {
    if (file)
      throw new MiniAstroError(
        'usage',
        `No config file at ${file}.`,
        'Pass an existing YAML file to --config.',
      );
    return pipelineConfigFrom(undefined);
  }
  const text = readTextFile(target, 'Pass an existing YAML file to --config.');
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${target} is not valid YAML: ${describeError(error)}`,
      'Fix the syntax (indentation, colons).',
    );
  }
  return pipelineConfigFrom(parsed);
}
