/**
 * A Hugging Face model folder <-> {config, weights}: what `from_pretrained` reads and `save_pretrained` writes
 * for GPT-2 — config.json plus model.safetensors, or a sharded model.safetensors.index.json with its shards.
 * Loading accepts both naming forms (see weights.ts) and checks every tensor against the config; saving writes
 * the GPT2LMHeadModel form, each file atomically. A folder with PEFT LoRA adapters beside the weights (lora.ts)
 * loads merged unless the caller asks for the base weights alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from '../../core/errors';
import { writeTextAtomic } from './atomicFile';
import { configFromHfJson, configToHfJson, type Gpt2Config, generationConfigJson } from './config';
import { hasLoraAdapters, type LoraSettings, loadLoraAdapters, mergeLora } from './lora';
import { readSafetensors, type WritableDtype, writeSafetensors } from './safetensors';
import {
  canonicalName,
  expectedShapes,
  type Gpt2Weights,
  normalizeHfNames,
  type Tensor,
  toHfCheckpointNames,
  validateWeights,
} from './weights';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';

export interface LoadedGpt2 {
  config: Gpt2Config;
  /** In `expectedShapes` order. */
  weights: Gpt2Weights;
  /** `__metadata__` of model.safetensors (of the first shard when sharded). */
  metadata: Readonly<Record<string, string>>;
  /** Settings of the LoRA adapters merged into `weights`, when the folder held some. */
  lora?: LoraSettings;
}

export interface LoadOptions {
  /** 'merge' (default): LoRA adapters in the folder are merged into the weights; 'ignore': base weights only. */
  adapters?: 'merge' | 'ignore';
}

function bad(where: string, what: string, hint: string, cause?: unknown): MiniAstroError {
  return new MiniAstroError(
    'badInput',
    `${where}: ${what}`,
    hint,
    cause === undefined ? undefined : { cause },
  );
}

const HINT_FOLDER =
  'Point at a Hugging Face GPT-2 folder holding config.json and model.safetensors (e.g. a download of ' +
  'openai-community/gpt2, or a folder we saved).';

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw bad(file, `cannot read (${describeError(error)})`, HINT_FOLDER, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad(
      file,
      `not valid JSON (${describeError(error)}); the file may be truncated`,
      HINT_FOLDER,
      error,
    );
  }
}

const keep = (entry: { name: string }) => canonicalName(entry.name) !== undefined;

/** Tensors of a sharded checkpoint, each read from the shard the index names for it. */
function readSharded(dir: string): { tensors: [string, Tensor][]; metadata: Record<string, string> } {
  const indexFile = path.join(dir, WEIGHTS_INDEX_FILE);
  const index = readJson(indexFile);
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw bad(indexFile, 'missing the "weight_map" object of tensor name -> shard file', HINT_FOLDER);
  }
  const byShard = new Map<string, Set<string>>();
  for (const [name, shard] of Object.entries(weightMap)) {
    // Shard names come from a downloaded file: never let one point outside the folder.
    if (typeof shard !== 'string' || shard !== path.basename(shard) || shard === '..' || shard === '.') {
      throw bad(
        indexFile,
        `tensor "${name}" maps to ${JSON.stringify(shard)}, not a file name in the folder`,
        HINT_FOLDER,
      );
    }
    const names = byShard.get(shard) ?? new Set<string>();
    byShard.set(shard, names.add(name));
  }
  const tensors: [string, Tensor][] = [];
  let metadata: Record<string, string> = {};
  let first = true;
  for (const [shard, names] of byShard) {
    const file = path.join(dir, shard);
    const contents = readSafetensors(file, { filter: (entry) => names.has(entry.name) && keep(entry) });
    if (first) metadata = { ...contents.metadata };
    first = false;
    const absent = [...names].filter((name) => !contents.tensors.has(name) && keep({ name }));
    if (absent.length > 0) {
      throw bad(
        file,
        `the index lists ${absent.length} tensor(s) in this shard that it does not hold: ${absent.slice(0, 5).join(', ')}`,
        'The shards do not belong to this index; download the checkpoint again.',
      );
    }
    tensors.push(...contents.tensors);
  }
  return { tensors, metadata };
}

/** Reads and checks a GPT-2 folder. Throws MiniAstroError('badInput') naming the file and the problem. */
export function loadGpt2Folder(dir: string, options: LoadOptions = {}): LoadedGpt2 {
  const configFile = path.join(dir, CONFIG_FILE);
  if (!existsSync(configFile)) throw bad(dir, `no ${CONFIG_FILE}`, HINT_FOLDER);
  const config = configFromHfJson(readJson(configFile), configFile);

  const single = path.join(dir, WEIGHTS_FILE);
  let tensors: Iterable<[string, Tensor]>;
  let metadata: Record<string, string>;
  if (existsSync(single)) {
    const contents = readSafetensors(single, { filter: keep });
    tensors = contents.tensors;
    metadata = { ...contents.metadata };
  } else if (existsSync(path.join(dir, WEIGHTS_INDEX_FILE))) {
    ({ tensors, metadata } = readSharded(dir));
  } else if (existsSync(path.join(dir, 'pytorch_model.bin'))) {
    throw bad(
      dir,
      'holds pytorch_model.bin but no model.safetensors; only the safetensors format can be read safely',
      'Convert it once with transformers: AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True).',
    );
  } else {
    throw bad(dir, `no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE}`, HINT_FOLDER);
  }

  const named = normalizeHfNames(tensors, dir);
  validateWeights(config, named, dir);
  const weights: Gpt2Weights = new Map();
  for (const name of expectedShapes(config).keys()) weights.set(name, named.get(name)!);
  if (options.adapters !== 'ignore' && hasLoraAdapters(dir)) {
    const adapters = loadLoraAdapters(dir, config);
    return { config, weights: mergeLora(weights, adapters), metadata, lora: adapters.settings };
  }
  return { config, weights, metadata };
}

export interface SaveOptions {
  /** Extra `__metadata__` strings for model.safetensors (format "pt" is always written). */
  metadata?: Record<string, string>;
  /** Storage precision of model.safetensors; default F32. */
  dtype?: WritableDtype;
  /** generation_config.json contents; default the one transformers derives from the config; false: none. */
  generationConfig?: Record<string, unknown> | false;
}

/**
 * Writes config.json, model.safetensors (GPT2LMHeadModel names, head tied so not stored) and
 * generation_config.json into `dir`, creating it. The weights go first: if saving stops half-way, the folder's
 * config no longer matches its weights and loading fails loudly instead of running a half-saved model.
 * Returns the paths written.
 */
export function saveGpt2Folder(
  dir: string,
  config: Gpt2Config,
  weights: Gpt2Weights,
  options: SaveOptions = {},
): string[] {
  validateWeights(config, weights, 'weights to save');
  const torchDtype = ({ F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const)[options.dtype ?? 'F32'];
  const configJson = configToHfJson(config, { torchDtype });
  const written: string[] = [];
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  writeSafetensors(weightsFile, toHfCheckpointNames(weights), {
    ...(options.metadata ? { metadata: options.metadata } : {}),
    ...(options.dtype ? { dtype: options.dtype } : {}),
  });
  written.push(weightsFile);
  const configFile = path.join(dir, CONFIG_FILE);
  writeTextAtomic(configFile, `${JSON.stringify(configJson, null, 2)}\n`);
  written.push(configFile);
  if (options.generationConfig !== false) {
    const generationFile = path.join(dir, GENERATION_CONFIG_FILE);
    const generation = options.generationConfig ?? generationConfigJson(config);
    writeTextAtomic(generationFile, `${JSON.stringify(generation, null, 2)}\n`);
    written.push(generationFile);
  }
  return written;
}
