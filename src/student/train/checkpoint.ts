/**
 * Checkpoints that are either complete or ignored. Each is a folder `<outputDir>/checkpoint-<step>/` in Hugging
 * Face's GPT-2 layout (config.json, model.safetensors, generation_config.json: loadable by `from_pretrained`)
 * plus optimizer.safetensors (AdamW's m and v as adam_m.<name> / adam_v.<name>, float32) and trainer_state.json
 * (step, data position, data fingerprint, config hash, loss history). It is written into a temporary folder,
 * every file fsynced, the folder renamed into place, and only then a `DONE` marker written: a folder without
 * DONE is a crash mid-save and resume never reads it. Weights and moments are stored bit-for-bit as float32.
 * A LoRA run's checkpoint holds the frozen base model in that layout, its adapters in PEFT's layout
 * (adapter_model.safetensors + adapter_config.json, see model/lora.ts; loading the folder merges them) and the
 * adapters' moments in optimizer.safetensors; trainer_state.json records the adapters' settings and sha256.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from '../../core/errors';
import type { DataOrder } from '../data/order';
import { fsyncFolder, writeTextAtomic } from '../model/atomicFile';
import type { Gpt2Config } from '../model/config';
import { loadGpt2Folder, saveGpt2Folder, WEIGHTS_FILE } from '../model/hfFolder';
import { DEFAULT_HUB_REPO } from '../model/hub';
import { ADAPTER_WEIGHTS_FILE, type LoraSettings, loadLoraAdapters, saveLoraAdapters } from '../model/lora';
import { readSafetensors, writeSafetensors } from '../model/safetensors';
import type { Gpt2Weights } from '../model/weights';
import {
  CHECKPOINT_PREFIX,
  checkpointDir,
  DONE_FILE,
  listCheckpoints,
  STATE_FILE,
} from './checkpointFolders';
import type { OptimizerState, TensorMap } from './state';

// The folder names and listing live in checkpointFolders.ts; this module stays where callers import them from.
export * from './checkpointFolders';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FORMAT = 1;

export interface LossPoint {
  step: number;
  loss: number;
  lr: number;
}

export interface TrainerState {
  format: typeof STATE_FORMAT;
  /** Optimizer steps done; the next step is `step` (0-based). */
  step: number;
  /** The run's planned length when this was saved. */
  totalSteps: number;
  /** Where the next micro-batch comes from. */
  dataOrder: DataOrder;
  /** BatchLoader.fingerprint of the training data and batching options. */
  dataFingerprint: string;
  /** sha256 of the trajectory settings (runConfig.ts), and the settings themselves for a readable refusal. */
  configHash: string;
  trajectoryConfig: Record<string, unknown>;
  /**
   * No generator state to restore: LoRA dropout's masks, the only random draws, are a pure function of (seed,
   * step, micro-batch, layer, module) (loraDropout.ts). Kept explicit for future use.
   */
  rng: null;
  promptTemplate: string;
  maxSeqLen: number;
  /** Where the initial weights came from. */
  init: string;
  tokensSeen: number;
  elapsedSec: number;
  /** sha256 of this checkpoint's model.safetensors. */
  weightsSha256: string;
  /** LoRA runs only: the adapters' settings and the sha256 of adapter_model.safetensors. */
  lora?: LoraSettings & { adaptersSha256: string };
  /** The last training losses (at most LOSS_HISTORY_TAIL). */
  lossHistory: LossPoint[];
  evalHistory: { step: number; evalLoss: number }[];
}

export const LOSS_HISTORY_TAIL = 200;

export interface LoadedCheckpoint {
  dir: string;
  config: Gpt2Config;
  /** Trainable parameters (the adapters for LoRA) and their moments. */
  state: OptimizerState;
  trainer: TrainerState;
  /** LoRA runs only: the frozen base weights and the adapters' settings. */
  base?: Gpt2Weights;
  lora?: LoraSettings;
}

/** sha256 of a file, read in 8 MiB pieces. */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(8 << 20);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function tensorsOf(prefix: string, map: TensorMap, shapes: ReadonlyMap<string, readonly number[]>) {
  return [...map].map(([name, data]) => [`${prefix}${name}`, { shape: shapes.get(name)!, data }] as const);
}

export interface SaveInput {
  config: Gpt2Config;
  shapes: ReadonlyMap<string, readonly number[]>;
  state: OptimizerState;
  /** Everything but the sha256 fields, which are computed here. */
  trainer: Omit<TrainerState, 'weightsSha256' | 'lora'>;
  /** LoRA runs: `state` holds the adapters, `base` the frozen weights written as model.safetensors. */
  lora?: { settings: LoraSettings; base: Gpt2Weights };
}

export interface SavedCheckpoint {
  dir: string;
  weightsSha256: string;
  /** LoRA runs only: sha256 of adapter_model.safetensors. */
  adaptersSha256?: string;
}

/**
 * Writes checkpoint-<step> atomically (see the file comment); replaces a partial folder of the same step.
 * Returns the folder and the weights' sha256.
 */
export function saveCheckpoint(outputDir: string, input: SaveInput): SavedCheckpoint {
  const step = input.trainer.step;
  const final = checkpointDir(outputDir, step);
  const temp = path.join(outputDir, `.${CHECKPOINT_PREFIX}${step}.${process.pid}.tmp`);
  rmSync(temp, { recursive: true, force: true });
  try {
    // Each writer below writes a temp file, fsyncs it and renames it into `temp`.
    const trained = new Map(
      [...input.state.params].map(([name, data]) => [name, { shape: [...input.shapes.get(name)!], data }]),
    );
    saveGpt2Folder(temp, input.config, input.lora?.base ?? trained);
    let lora: TrainerState['lora'];
    if (input.lora) {
      const init = input.trainer.init;
      const baseModel = init === 'scratch' ? null : init === 'gpt2' ? DEFAULT_HUB_REPO : init;
      saveLoraAdapters(temp, { settings: input.lora.settings, tensors: trained }, baseModel);
      lora = { ...input.lora.settings, adaptersSha256: sha256File(path.join(temp, ADAPTER_WEIGHTS_FILE)) };
    }
    writeSafetensors(path.join(temp, OPTIMIZER_FILE), [
      ...tensorsOf('adam_m.', input.state.m, input.shapes),
      ...tensorsOf('adam_v.', input.state.v, input.shapes),
    ]);
    const weightsSha256 = sha256File(path.join(temp, WEIGHTS_FILE));
    const trainer: TrainerState = { ...input.trainer, weightsSha256, ...(lora ? { lora } : {}) };
    writeTextAtomic(path.join(temp, STATE_FILE), `${JSON.stringify(trainer, null, 2)}\n`);
    if (existsSync(final)) {
      if (existsSync(path.join(final, DONE_FILE))) {
        throw new Error(`${final} already exists and is complete`);
      }
      rmSync(final, { recursive: true, force: true });
    }
    renameSync(temp, final);
    fsyncFolder(outputDir);
    writeTextAtomic(path.join(final, DONE_FILE), `${step}\n`);
    return { dir: final, weightsSha256, ...(lora ? { adaptersSha256: lora.adaptersSha256 } : {}) };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw new MiniAstroError(
      'badInput',
      `Could not write checkpoint ${final}: ${describeError(error)}`,
      'Check free disk space and permissions of the output folder; the previous checkpoint is intact.',
      { cause: error },
    );
  }
}

/**
 * Keeps the newest `keep` complete checkpoints; removes older complete ones, partial folders older than the
 * newest complete one (crash leftovers), and stray temporary folders of this process. Returns what it removed.
 */
export function pruneCheckpoints(outputDir: string, keep: number): string[] {
  const all = listCheckpoints(outputDir);
  const done = all.filter((c) => c.done);
  const newest = done.at(-1)?.step ?? -1;
  const doomed = [
    ...done.slice(0, Math.max(0, done.length - keep)),
    ...all.filter((c) => !c.done && c.step < newest),
  ];
  for (const c of doomed) rmSync(c.dir, { recursive: true, force: true });
  return doomed.map((c) => c.dir);
}

const TEMP_NAME = new RegExp(`^\\.${CHECKPOINT_PREFIX}\\d+\\.(\\d+)\\.tmp$`);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary checkpoint folders left by processes that no longer run (a crash mid-save). */
export function removeStaleTemps(outputDir: string): string[] {
  if (!existsSync(outputDir)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(outputDir)) {
    const match = TEMP_NAME.exec(entry);
    if (!match || Number(match[1]) === process.pid || processAlive(Number(match[1]))) continue;
    rmSync(path.join(outputDir, entry), { recursive: true, force: true });
    removed.push(path.join(outputDir, entry));
  }
  return removed;
}

function bad(dir: string, what: string, cause?: unknown): MiniAstroError {
  return new MiniAstroError(
    'badInput',
    `Checkpoint ${dir}: ${what}`,
    'Delete this checkpoint folder (resume then uses the one before it), or start a new run in another --out folder.',
    cause === undefined ? undefined : { cause },
  );
}

function readTrainerState(dir: string): TrainerState {
  const file = path.join(dir, STATE_FILE);
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as TrainerState;
  } catch (error) {
    throw bad(dir, `cannot read ${STATE_FILE} (${describeError(error)})`, error);
  }
  // JSON.parse('null') is no state either: check the shape before reading fields of it.
  if (
    typeof state !== 'object' ||
    state === null ||
    state.format !== STATE_FORMAT ||
    !Number.isInteger(state.step) ||
    !state.dataOrder
  ) {
    throw bad(dir, `${STATE_FILE} is not a format-${STATE_FORMAT} trainer state`);
  }
  return state;
}

/** Trainer state alone (the `loss` verb reads the template and lengths from it); null when absent. */
export function readTrainerStateIfAny(dir: string): TrainerState | null {
  return existsSync(path.join(dir, STATE_FILE)) ? readTrainerState(dir) : null;
}

/** Weights, moments and trainer state of a complete checkpoint, checked against each other. */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  if (!existsSync(path.join(dir, DONE_FILE)))
    throw bad(dir, `no ${DONE_FILE} marker: the save did not finish`);
  const trainer = readTrainerState(dir);
  const actual = sha256File(path.join(dir, WEIGHTS_FILE));
  if (actual !== trainer.weightsSha256) {
    throw bad(dir, `model.safetensors does not match the sha256 recorded in ${STATE_FILE}`);
  }
  const model = loadGpt2Folder(dir, { adapters: 'ignore' });
  const saved = trainer.lora;
  if (saved && sha256File(path.join(dir, ADAPTER_WEIGHTS_FILE)) !== saved.adaptersSha256) {
    throw bad(dir, `${ADAPTER_WEIGHTS_FILE} does not match the sha256 recorded in ${STATE_FILE}`);
  }
  const adapters = saved ? loadLoraAdapters(dir, model.config) : undefined;
  if (saved && (adapters!.settings.rank !== saved.rank || adapters!.settings.alpha !== saved.alpha)) {
    throw bad(dir, `adapter_config.json disagrees with the rank/alpha recorded in ${STATE_FILE}`);
  }
  const trained = adapters ? adapters.tensors : model.weights;
  const optimizer = readSafetensors(path.join(dir, OPTIMIZER_FILE)).tensors;
  const params: TensorMap = new Map();
  const m: TensorMap = new Map();
  const v: TensorMap = new Map();
  for (const [name, tensor] of trained) {
    params.set(name, tensor.data);
    const mt = optimizer.get(`adam_m.${name}`);
    const vt = optimizer.get(`adam_v.${name}`);
    if (!mt || !vt || mt.data.length !== tensor.data.length || vt.data.length !== tensor.data.length) {
      throw bad(dir, `${OPTIMIZER_FILE} lacks adam_m/adam_v of ${name} or has the wrong size`);
    }
    m.set(name, mt.data);
    v.set(name, vt.data);
  }
  const lora = saved ? { rank: saved.rank, alpha: saved.alpha, targets: saved.targets } : undefined;
  return {
    dir,
    config: model.config,
    state: { params, m, v },
    trainer,
    ...(lora ? { base: model.weights, lora } : {}),
  };
}
