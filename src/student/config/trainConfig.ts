/**
 * configs/student_train.yaml → one typed object for fine-tuning the student. Defaults live here and only here;
 * the YAML file documents them (with equal values, a test checks that) and may override them; CLI flags override
 * the file. Unknown keys, wrong types and contradictory settings fail at load time with the exact path, before a
 * long run starts.
 */
import path from 'node:path';
import { ConfigReader } from '../../core/configFields';
import type { OnTooLong } from '../data/examples';
import type { OnBadRow } from '../data/rows';
import { PROMPT_TEMPLATES } from '../data/template';
import { nullable, oneOf, readYamlConfig, section } from './yamlFile';

/** Architecture of a GPT-2 model; the field names follow HF's GPT2Config (n_layer → nLayer, ...). */
export interface GptShape {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Longest sequence the position table holds. */
  nPositions: number;
  vocabSize: number;
}

export type { OnBadRow, OnTooLong };
export type Device = 'cpu' | 'cuda' | 'webgpu';

/** Module names LoRA may wrap: GPT-2's Conv1D layers. `c_proj` alone means both attention's and the MLP's. */
export const LORA_TARGETS = ['c_attn', 'c_proj', 'c_fc', 'attn.c_proj', 'mlp.c_proj'] as const;

export interface TrainConfig {
  model: {
    /** `gpt2` (pretrained weights), `scratch` (random init of `config`), or a local HF folder (contains '/'). */
    init: string;
    /** Read only when init is `scratch`; a pretrained model brings its own shape. */
    config: GptShape;
  };
  data: {
    /** Relative paths are resolved by the caller against the working directory, as CLI paths are. */
    trainFile: string;
    /** null: no evaluation during training. */
    evalFile: string | null;
    /** A name from src/student/data/template.ts; a checkpoint must be used with the template it was trained on. */
    promptTemplate: string;
    maxSeqLen: number;
    truncation: { minAbstractTokens: number; onTooLong: OnTooLong };
    /** Append <|endoftext|> to every target and supervise it; false only for the EOS ablation. */
    superviseEos: boolean;
    onBadRow: OnBadRow;
    padToMultipleOf: number;
    lengthBucketing: { enabled: boolean; windowBatches: number };
  };
  optimizer: {
    lr: number;
    betas: readonly [number, number];
    eps: number;
    weightDecay: number;
    /** Parameter-name components exempt from weight decay (see appliesWeightDecay). */
    noDecay: readonly string[];
  };
  schedule: { warmupSteps: number; minLrRatio: number };
  batchSize: number;
  gradAccumSteps: number;
  epochs: number;
  /** When set, wins over `epochs`. */
  maxSteps: number | null;
  /** Max global gradient norm; 0 turns clipping off. */
  gradClip: number;
  seed: number;
  /** In optimizer steps; 0: only at the end. */
  evalEvery: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  outputDir: string;
  device: Device;
  /**
   * Recompute attention probabilities in the backward pass instead of storing them ([batch, heads, T, T] a
   * layer): the same weights, about 1 GiB less at GPT-2 124M with 2 × 1024 tokens.
   */
  recomputeAttention: boolean;
  /**
   * Recompute the LM head's logits in the backward pass instead of keeping them (vocabulary × 4 bytes a token):
   * the same weights; keeping them saves one of the head's three gradient GEMMs.
   */
  recomputeLogits: boolean;
  /**
   * Causal attention in this many query blocks, each over its key prefix: (n+1)/(2n) of attention's work, the
   * same probabilities. Must divide data.padToMultipleOf and data.maxSeqLen, so every batch's length divides. Not
   * part of the trajectory: like threads, it changes only float rounding.
   */
  attentionBlocks: number;
  /** ONNX Runtime CPU threads; 0: one per physical core (threads.ts). Not part of the trajectory. */
  threads: number;
  lora: { enabled: boolean; rank: number; alpha: number; dropout: number; targets: readonly string[] };
}

/** GPT-2 small (124M): what `gpt2` loads, and what `scratch` builds unless overridden. */
export const GPT2_SMALL: GptShape = { nLayer: 12, nHead: 12, nEmbd: 768, nPositions: 1024, vocabSize: 50257 };

// Why these values: see the comment beside each key in configs/student_train.yaml.
export const defaultTrainConfig: TrainConfig = {
  model: { init: 'gpt2', config: GPT2_SMALL },
  data: {
    trainFile: 'data/curated.jsonl',
    evalFile: 'data/curated.eval.jsonl',
    promptTemplate: 'abstract-explanation-v1',
    maxSeqLen: 1024,
    truncation: { minAbstractTokens: 64, onTooLong: 'error' },
    superviseEos: true,
    onBadRow: 'error',
    padToMultipleOf: 8,
    lengthBucketing: { enabled: false, windowBatches: 32 },
  },
  optimizer: {
    lr: 5e-5,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0.01,
    noDecay: ['bias', 'ln_1', 'ln_2', 'ln_f'],
  },
  schedule: { warmupSteps: 20, minLrRatio: 0.1 },
  batchSize: 8,
  gradAccumSteps: 2,
  epochs: 3,
  maxSteps: null,
  gradClip: 1.0,
  seed: 1234,
  evalEvery: 50,
  checkpointEvery: 50,
  keepCheckpoints: 3,
  outputDir: '.miniastrolm/runs/student',
  device: 'cpu',
  recomputeAttention: true,
  recomputeLogits: false,
  attentionBlocks: 2,
  threads: 0,
  lora: { enabled: false, rank: 8, alpha: 16, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] },
};

/** GPT-2's tokenizer emits ids up to 50256: a smaller embedding table could not look them up. */
const MIN_VOCAB = 50257;

const reader: ConfigReader = new ConfigReader(
  'Fix configs/student_train.yaml (or the file given with --config); each key is documented there.',
);

const TOP_KEYS = Object.keys(defaultTrainConfig);

function positive(v: unknown, where: string, max: number, fallback: number): number {
  const n = reader.number(v, where, 0, max, fallback);
  if (n <= 0) reader.bad(where, `expected a number > 0; got ${n}`);
  return n;
}

function readModel(v: unknown): TrainConfig['model'] {
  const d = defaultTrainConfig.model;
  const m = section(reader, v, 'model', Object.keys(d));
  const init = reader.string(m['init'], 'model.init', d.init);
  if (init !== 'gpt2' && init !== 'scratch' && !/[/\\]/.test(init)) {
    // Requiring a separator turns a typo ("gtp2") into an error here rather than "no such folder" later.
    reader.bad('model.init', `expected gpt2, scratch or a folder path such as ./models/gpt2; got "${init}"`);
  }
  const c = section(reader, m['config'], 'model.config', Object.keys(d.config));
  const config: GptShape = {
    nLayer: reader.int(c['nLayer'], 'model.config.nLayer', 1, d.config.nLayer),
    nHead: reader.int(c['nHead'], 'model.config.nHead', 1, d.config.nHead),
    nEmbd: reader.int(c['nEmbd'], 'model.config.nEmbd', 1, d.config.nEmbd),
    nPositions: reader.int(c['nPositions'], 'model.config.nPositions', 1, d.config.nPositions),
    vocabSize: reader.int(c['vocabSize'], 'model.config.vocabSize', MIN_VOCAB, d.config.vocabSize),
  };
  if (config.nEmbd % config.nHead !== 0) {
    reader.bad('model.config.nEmbd', `must be a multiple of nHead (${config.nHead}); got ${config.nEmbd}`);
  }
  if (init !== 'scratch') {
    // The shipped file states GPT-2 small's shape, which agrees with `gpt2`; anything else would be ignored.
    for (const key of Object.keys(d.config) as (keyof GptShape)[]) {
      if (config[key] !== d.config[key]) {
        reader.bad(`model.config.${key}`, `is only read when model.init is scratch (init is "${init}")`);
      }
    }
  }
  return { init, config };
}

function readData(v: unknown): TrainConfig['data'] {
  const d = defaultTrainConfig.data;
  const r = section(reader, v, 'data', Object.keys(d));
  const t = section(reader, r['truncation'], 'data.truncation', Object.keys(d.truncation));
  const b = section(reader, r['lengthBucketing'], 'data.lengthBucketing', Object.keys(d.lengthBucketing));
  const maxSeqLen = reader.int(r['maxSeqLen'], 'data.maxSeqLen', 2, d.maxSeqLen);
  const minAbstractTokens = reader.int(
    t['minAbstractTokens'],
    'data.truncation.minAbstractTokens',
    0,
    d.truncation.minAbstractTokens,
  );
  if (minAbstractTokens >= maxSeqLen) {
    reader.bad('data.truncation.minAbstractTokens', `must be below data.maxSeqLen (${maxSeqLen})`);
  }
  const padToMultipleOf = reader.int(r['padToMultipleOf'], 'data.padToMultipleOf', 1, d.padToMultipleOf);
  if (padToMultipleOf > maxSeqLen) {
    reader.bad('data.padToMultipleOf', `must not exceed data.maxSeqLen (${maxSeqLen})`);
  }
  const promptTemplate = reader.string(r['promptTemplate'], 'data.promptTemplate', d.promptTemplate);
  if (!Object.hasOwn(PROMPT_TEMPLATES, promptTemplate)) {
    reader.bad(
      'data.promptTemplate',
      `unknown template "${promptTemplate}" (known: ${Object.keys(PROMPT_TEMPLATES).join(', ')})`,
    );
  }
  const trainFile = reader.string(r['trainFile'], 'data.trainFile', d.trainFile);
  const evalFile = nullable(r['evalFile'], d.evalFile, (x) => reader.string(x, 'data.evalFile', ''));
  // Evaluating on the training rows would report memorisation as quality.
  if (evalFile !== null && path.resolve(evalFile) === path.resolve(trainFile)) {
    reader.bad('data.evalFile', `must differ from data.trainFile (${trainFile})`);
  }
  return {
    trainFile,
    evalFile,
    promptTemplate,
    maxSeqLen,
    truncation: {
      minAbstractTokens,
      onTooLong: oneOf(reader, t['onTooLong'], 'data.truncation.onTooLong', ['error', 'skip'], 'error'),
    },
    superviseEos: reader.bool(r['superviseEos'], 'data.superviseEos', d.superviseEos),
    onBadRow: oneOf(reader, r['onBadRow'], 'data.onBadRow', ['error', 'skip'], d.onBadRow),
    padToMultipleOf,
    lengthBucketing: {
      enabled: reader.bool(b['enabled'], 'data.lengthBucketing.enabled', d.lengthBucketing.enabled),
      windowBatches: reader.int(
        b['windowBatches'],
        'data.lengthBucketing.windowBatches',
        1,
        d.lengthBucketing.windowBatches,
      ),
    },
  };
}

function readBetas(v: unknown): readonly [number, number] {
  const d = defaultTrainConfig.optimizer.betas;
  if (v === undefined) return d;
  if (!Array.isArray(v) || v.length !== 2) reader.bad('optimizer.betas', 'expected a list of two numbers');
  const beta = (x: unknown, i: number): number => {
    const n = reader.number(x, `optimizer.betas[${i}]`, 0, 1, 0);
    if (n >= 1) reader.bad(`optimizer.betas[${i}]`, `expected a number below 1; got ${n}`);
    return n;
  };
  return [beta(v[0], 0), beta(v[1], 1)];
}

function readOptimizer(v: unknown): TrainConfig['optimizer'] {
  const d = defaultTrainConfig.optimizer;
  const r = section(reader, v, 'optimizer', Object.keys(d));
  return {
    lr: positive(r['lr'], 'optimizer.lr', 1, d.lr),
    betas: readBetas(r['betas']),
    eps: positive(r['eps'], 'optimizer.eps', 1, d.eps),
    weightDecay: reader.number(r['weightDecay'], 'optimizer.weightDecay', 0, 1, d.weightDecay),
    noDecay: reader.strings(r['noDecay'], 'optimizer.noDecay', d.noDecay),
  };
}

function readLora(v: unknown): TrainConfig['lora'] {
  const d = defaultTrainConfig.lora;
  const r = section(reader, v, 'lora', Object.keys(d));
  const targets = reader.strings(r['targets'], 'lora.targets', d.targets);
  targets.forEach((name, i) => {
    if (!(LORA_TARGETS as readonly string[]).includes(name)) {
      reader.bad(`lora.targets[${i}]`, `unknown module "${name}" (known: ${LORA_TARGETS.join(', ')})`);
    }
  });
  if (targets.length === 0) reader.bad('lora.targets', 'expected at least one module');
  return {
    enabled: reader.bool(r['enabled'], 'lora.enabled', d.enabled),
    rank: reader.int(r['rank'], 'lora.rank', 1, d.rank),
    alpha: positive(r['alpha'], 'lora.alpha', 1e6, d.alpha),
    dropout: reader.number(r['dropout'], 'lora.dropout', 0, 0.9, d.dropout),
    targets,
  };
}

/** Every batch is padded to a multiple of padToMultipleOf and capped at maxSeqLen: both must divide. */
function readAttentionBlocks(v: unknown, data: TrainConfig['data']): number {
  const blocks = reader.int(v, 'attentionBlocks', 1, defaultTrainConfig.attentionBlocks);
  for (const [key, value] of [
    ['padToMultipleOf', data.padToMultipleOf],
    ['maxSeqLen', data.maxSeqLen],
  ] as const) {
    if (value % blocks !== 0) {
      reader.bad(
        'attentionBlocks',
        `${blocks} does not divide data.${key} (${value}), so some batches could not be cut into equal blocks: use a divisor of both, or 1`,
      );
    }
  }
  return blocks;
}

export function trainConfigFrom(parsed: unknown): TrainConfig {
  const top = section(reader, parsed, 'student_train.yaml', TOP_KEYS);
  const d = defaultTrainConfig;
  const s = section(reader, top['schedule'], 'schedule', Object.keys(d.schedule));
  const model = readModel(top['model']);
  const data = readData(top['data']);
  const positions = model.init === 'gpt2' ? GPT2_SMALL.nPositions : model.config.nPositions;
  // A local folder's own config.json is checked by the engine when it loads the weights.
  if ((model.init === 'gpt2' || model.init === 'scratch') && data.maxSeqLen > positions) {
    reader.bad('data.maxSeqLen', `exceeds the model's ${positions} positions; got ${data.maxSeqLen}`);
  }
  return {
    model,
    data,
    optimizer: readOptimizer(top['optimizer']),
    schedule: {
      warmupSteps: reader.int(s['warmupSteps'], 'schedule.warmupSteps', 0, d.schedule.warmupSteps),
      minLrRatio: reader.number(s['minLrRatio'], 'schedule.minLrRatio', 0, 1, d.schedule.minLrRatio),
    },
    batchSize: reader.int(top['batchSize'], 'batchSize', 1, d.batchSize),
    gradAccumSteps: reader.int(top['gradAccumSteps'], 'gradAccumSteps', 1, d.gradAccumSteps),
    epochs: reader.int(top['epochs'], 'epochs', 1, d.epochs),
    maxSteps: nullable(top['maxSteps'], d.maxSteps, (x) => reader.int(x, 'maxSteps', 1, 1)),
    gradClip: reader.number(top['gradClip'], 'gradClip', 0, 1e6, d.gradClip),
    seed: reader.int(top['seed'], 'seed', 0, d.seed),
    evalEvery: reader.int(top['evalEvery'], 'evalEvery', 0, d.evalEvery),
    checkpointEvery: reader.int(top['checkpointEvery'], 'checkpointEvery', 1, d.checkpointEvery),
    keepCheckpoints: reader.int(top['keepCheckpoints'], 'keepCheckpoints', 1, d.keepCheckpoints),
    outputDir: reader.string(top['outputDir'], 'outputDir', d.outputDir),
    device: oneOf(reader, top['device'], 'device', ['cpu', 'cuda', 'webgpu'], d.device),
    recomputeAttention: reader.bool(top['recomputeAttention'], 'recomputeAttention', d.recomputeAttention),
    recomputeLogits: reader.bool(top['recomputeLogits'], 'recomputeLogits', d.recomputeLogits),
    attentionBlocks: readAttentionBlocks(top['attentionBlocks'], data),
    threads: reader.int(top['threads'], 'threads', 0, d.threads),
    lora: readLora(top['lora']),
  };
}

/** Reads `file`, or the package's configs/student_train.yaml when none is given. */
export function loadTrainConfig(file?: string): TrainConfig {
  return trainConfigFrom(readYamlConfig(file, 'student_train.yaml'));
}

/**
 * Whether AdamW's decoupled weight decay applies to a parameter, by its HF name (`h.0.ln_1.weight`,
 * `h.3.attn.c_attn.bias`): not when any dot-separated component is listed in `noDecay`. Biases and LayerNorm gains
 * are exempt because shrinking them toward 0 does not regularise anything (a LayerNorm gain of 0 mutes the layer).
 */
export function appliesWeightDecay(paramName: string, noDecay: readonly string[]): boolean {
  return !paramName.split('.').some((part) => noDecay.includes(part));
}
