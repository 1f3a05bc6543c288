/**
 * configs/experiments.yaml → the settings of every experiment (`miniastrolm experiment NAME`). Defaults live here
 * and only here; the YAML documents them with equal values (a test checks that). The training config an
 * experiment starts from is the `train` section (a tiny GPT-2 from scratch), or the file given with --config
 * (configs/student_train.yaml: GPT-2 124M); each experiment then sets its own data files, output folder and
 * number of steps on it.
 */
import { ConfigReader } from '../../core/configFields';
import { defaultTrainConfig } from '../config/trainConfig';
import { nullable, readYamlConfig, section } from '../config/yamlFile';

const TRAIN_KEYS = Object.keys(defaultTrainConfig);

/** One decoding setting of the `decoding` experiment. */
export interface DecodingSetting {
  name: string;
  repetitionPenalty: number;
  noRepeatNgramSize: number;
  /** EOS is suppressed until the output has decoding.minWords words' worth of tokens. */
  holdEos: boolean;
}

export interface LabConfig {
  /** Rows every experiment reads unless --data names a file; relative to the package root. */
  data: string;
  /** A student_train.yaml mapping (parsed, not yet read: trainConfigFrom reads it with the shipped defaults). */
  train: Record<string, unknown>;
  /** Tokens generated at most; null: 1.5 × the longest target (at least the held-back length), within positions. */
  maxNewTokens: number | null;
  overfit1: { steps: number; maxLoss: number };
  memorize20: { rows: number; steps: number; minExact: number };
  eosAblation: { rows: number; steps: number; minEosRate: number };
  decoding: {
    rows: number;
    heldOut: number;
    steps: number;
    /** null: the v1 validators' minWords (configs/pipeline.yaml). */
    minWords: number | null;
    minSpread: number;
    settings: readonly DecodingSetting[];
  };
  loraVsFull: {
    rows: number;
    steps: number;
    rank: number;
    alpha: number;
    targets: readonly string[];
    /** The adapters' learning rate; the full run keeps the training config's. */
    lr: number;
  };
}

// Why these values: see the comment beside each key in configs/experiments.yaml.
export const defaultLabConfig: LabConfig = {
  data: 'samples/lab-20.jsonl',
  train: {
    model: {
      init: 'scratch',
      config: { nLayer: 2, nHead: 2, nEmbd: 64, nPositions: 512, vocabSize: 50257 },
    },
    data: { maxSeqLen: 512, evalFile: null },
    optimizer: { lr: 3.0e-3, weightDecay: 0 },
    schedule: { warmupSteps: 0, minLrRatio: 1 },
    batchSize: 4,
    gradAccumSteps: 1,
    seed: 7,
  },
  maxNewTokens: null,
  overfit1: { steps: 150, maxLoss: 0.05 },
  memorize20: { rows: 20, steps: 500, minExact: 19 },
  eosAblation: { rows: 20, steps: 500, minEosRate: 0.9 },
  decoding: {
    rows: 20,
    heldOut: 4,
    steps: 500,
    minWords: null,
    minSpread: 0.05,
    settings: [
      { name: 'greedy', repetitionPenalty: 1, noRepeatNgramSize: 0, holdEos: false },
      { name: 'penalty-1.2', repetitionPenalty: 1.2, noRepeatNgramSize: 0, holdEos: false },
      { name: 'penalty-1.5', repetitionPenalty: 1.5, noRepeatNgramSize: 0, holdEos: false },
      { name: 'no-repeat-3', repetitionPenalty: 1, noRepeatNgramSize: 3, holdEos: false },
      { name: 'no-repeat-4', repetitionPenalty: 1, noRepeatNgramSize: 4, holdEos: false },
      { name: 'hold-eos', repetitionPenalty: 1, noRepeatNgramSize: 0, holdEos: true },
      { name: 'hold-eos+no-repeat-4', repetitionPenalty: 1, noRepeatNgramSize: 4, holdEos: true },
    ],
  },
  loraVsFull: { rows: 20, steps: 500, rank: 8, alpha: 16, targets: ['c_attn', 'c_proj', 'c_fc'], lr: 1.0e-2 },
};

const reader: ConfigReader = new ConfigReader(
  'Fix configs/experiments.yaml (or the experiments file you passed); each key is documented there.',
);

function steps(v: unknown, where: string, fallback: number): number {
  return reader.int(v, where, 1, fallback);
}

function readSetting(v: unknown, i: number): DecodingSetting {
  const where = `decoding.settings[${i}]`;
  const r = reader.record(v, where, ['name', 'repetitionPenalty', 'noRepeatNgramSize', 'holdEos']);
  const name = reader.string(r['name'], `${where}.name`, '');
  if (name === '') reader.bad(`${where}.name`, 'expected a name');
  return {
    name,
    // configs/generation.yaml's bounds: a penalty below 1 would reward repetition.
    repetitionPenalty: reader.number(r['repetitionPenalty'], `${where}.repetitionPenalty`, 1, 10, 1),
    noRepeatNgramSize: reader.int(r['noRepeatNgramSize'], `${where}.noRepeatNgramSize`, 0, 0),
    holdEos: reader.bool(r['holdEos'], `${where}.holdEos`, false),
  };
}

export function labConfigFrom(parsed: unknown): LabConfig {
  const d = defaultLabConfig;
  const keys = [
    'data',
    'train',
    'maxNewTokens',
    'overfit-1',
    'memorize-20',
    'eos-ablation',
    'decoding',
    'lora-vs-full',
  ];
  const top = section(reader, parsed, 'experiments.yaml', keys);
  const o = section(reader, top['overfit-1'], 'overfit-1', Object.keys(d.overfit1));
  const m = section(reader, top['memorize-20'], 'memorize-20', Object.keys(d.memorize20));
  const e = section(reader, top['eos-ablation'], 'eos-ablation', Object.keys(d.eosAblation));
  const c = section(reader, top['decoding'], 'decoding', Object.keys(d.decoding));
  const l = section(reader, top['lora-vs-full'], 'lora-vs-full', Object.keys(d.loraVsFull));
  // A given train mapping replaces the default one whole; trainConfigFrom checks its keys and values.
  const train = top['train'] === undefined ? d.train : section(reader, top['train'], 'train', TRAIN_KEYS);
  const settingsRaw = c['settings'];
  if (settingsRaw !== undefined && (!Array.isArray(settingsRaw) || settingsRaw.length === 0)) {
    reader.bad('decoding.settings', 'expected a non-empty list of settings');
  }
  const settings =
    settingsRaw === undefined ? d.decoding.settings : (settingsRaw as unknown[]).map(readSetting);
  const names = new Set(settings.map((s) => s.name));
  if (names.size !== settings.length) reader.bad('decoding.settings', 'names must differ');
  const memRows = reader.int(m['rows'], 'memorize-20.rows', 1, d.memorize20.rows);
  const minExact = reader.int(m['minExact'], 'memorize-20.minExact', 0, d.memorize20.minExact);
  if (minExact > memRows) reader.bad('memorize-20.minExact', `must not exceed memorize-20.rows (${memRows})`);
  const decodingRows = reader.int(c['rows'], 'decoding.rows', 2, d.decoding.rows);
  const heldOut = reader.int(c['heldOut'], 'decoding.heldOut', 1, d.decoding.heldOut);
  if (heldOut >= decodingRows)
    reader.bad('decoding.heldOut', `must be below decoding.rows (${decodingRows})`);
  return {
    data: reader.string(top['data'], 'data', d.data),
    train,
    maxNewTokens: nullable(top['maxNewTokens'], d.maxNewTokens, (x) => reader.int(x, 'maxNewTokens', 1, 1)),
    overfit1: {
      steps: steps(o['steps'], 'overfit-1.steps', d.overfit1.steps),
      maxLoss: reader.number(o['maxLoss'], 'overfit-1.maxLoss', 0, 100, d.overfit1.maxLoss),
    },
    memorize20: {
      rows: memRows,
      steps: steps(m['steps'], 'memorize-20.steps', d.memorize20.steps),
      minExact,
    },
    eosAblation: {
      rows: reader.int(e['rows'], 'eos-ablation.rows', 1, d.eosAblation.rows),
      steps: steps(e['steps'], 'eos-ablation.steps', d.eosAblation.steps),
      minEosRate: reader.number(e['minEosRate'], 'eos-ablation.minEosRate', 0, 1, d.eosAblation.minEosRate),
    },
    decoding: {
      rows: decodingRows,
      heldOut,
      steps: steps(c['steps'], 'decoding.steps', d.decoding.steps),
      minWords: nullable(c['minWords'], d.decoding.minWords, (x) => reader.int(x, 'decoding.minWords', 1, 1)),
      minSpread: reader.number(c['minSpread'], 'decoding.minSpread', 0, 1, d.decoding.minSpread),
      settings,
    },
    loraVsFull: {
      rows: reader.int(l['rows'], 'lora-vs-full.rows', 1, d.loraVsFull.rows),
      steps: steps(l['steps'], 'lora-vs-full.steps', d.loraVsFull.steps),
      rank: reader.int(l['rank'], 'lora-vs-full.rank', 1, d.loraVsFull.rank),
      alpha: reader.number(l['alpha'], 'lora-vs-full.alpha', 1e-6, 1e6, d.loraVsFull.alpha),
      targets: reader.strings(l['targets'], 'lora-vs-full.targets', d.loraVsFull.targets),
      lr: reader.number(l['lr'], 'lora-vs-full.lr', 1e-9, 1, d.loraVsFull.lr),
    },
  };
}

/** Reads `file`, or the package's configs/experiments.yaml when none is given. */
export function loadLabConfig(file?: string): LabConfig {
  return labConfigFrom(readYamlConfig(file, 'experiments.yaml'));
}
