/**
 * Design goal: one call turns a folder into a ready model, whatever the folder is — an export folder (opens
 * model.onnx by path: fast, no model code involved) or a Hugging Face / checkpoint folder (loads the
 * safetensors and compiles the same inference graph in memory) — and every way a folder can be wrong becomes
 * a MiniAstroError that names the file and says what to do.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describeError, MiniAstroError } from '../../core/errors';
import { type GenerationConfig, generationConfigFrom } from '../config/generationConfig';
import { promptTemplate } from '../data/template';
import { CONFIG_FILE, configFromHfJson, type Gpt2Config, type Gpt2Weights, loadGpt2Folder } from '../model';
import { defaultTokenizer, type Gpt2Tokenizer, loadTokenizer } from '../tokenizer';
import { type ExportManifest, MANIFEST_FILE, MODEL_FILE, readManifest, sha256 } from './export';
import { inferenceOnnx } from './graph';
import { KvModel, type KvModelOptions, sessionOptions } from './kvModel';
import { recordedPromptTemplate, resolveWeightsDir } from './modelDir';

export interface InferenceModel {
  readonly model: KvModel;
  readonly config: Gpt2Config;
  readonly tokenizer: Gpt2Tokenizer;
  /** Name of the prompt template the model expects. */
  readonly promptTemplate: string;
  /** The export's generation settings; undefined for a HF/checkpoint folder (use configs/generation.yaml). */
  readonly generation: GenerationConfig | undefined;
  readonly kind: 'export' | 'hf-folder';
  readonly dir: string;
  readonly manifest: ExportManifest | undefined;
  /** Time to load files and create the onnxruntime session. */
  readonly loadMs: number;
  release(): Promise<void>;
}

export interface OpenOptions extends KvModelOptions {
  /** Check model.onnx against the manifest's sha256 (reads the whole file once more). Default false. */
  verify?: boolean;
  /** For HF/checkpoint folders: the template (default: trainer_state.json, metadata, else abstract-explanation-v1). */
  promptTemplate?: string;
}

const HINT_MODEL =
  'Pass an export folder (model.onnx + miniastrolm-export.json) or a Hugging Face GPT-2 folder ' +
  '(config.json + model.safetensors).';
const HINT_REEXPORT = 'The export folder is damaged; export the model again from its source folder.';

export function isExportFolder(dir: string): boolean {
  return existsSync(path.join(dir, MANIFEST_FILE));
}

async function createSession(
  model: string | Uint8Array,
  int8: boolean,
  options: KvModelOptions,
): Promise<ort.InferenceSession> {
  const o = sessionOptions(options);
  // Lets onnxruntime constant-fold the int8 weights' DequantizeLinear nodes at load (see int8.ts).
  if (int8) o.extra = { session: { disable_quant_qdq: '1' } };
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, o)
    : ort.InferenceSession.create(model, o);
}

async function openExport(
  dir: string,
  options: OpenOptions,
): Promise<Omit<InferenceModel, 'loadMs' | 'release'>> {
  const manifest = readManifest(dir);
  const configFile = path.join(dir, CONFIG_FILE);
  let config: Gpt2Config;
  try {
    config = configFromHfJson(JSON.parse(readFileSync(configFile, 'utf8')), configFile);
  } catch (error) {
    if (error instanceof MiniAstroError) throw error;
    throw new MiniAstroError('badInput', `${configFile}: ${describeError(error)}`, HINT_REEXPORT, {
      cause: error,
    });
  }
  const modelFile = path.join(dir, MODEL_FILE);
  if (!existsSync(modelFile)) throw new MiniAstroError('badInput', `${dir}: no ${MODEL_FILE}`, HINT_REEXPORT);
  const size = statSync(modelFile).size;
  if (size !== manifest.model.bytes) {
    throw new MiniAstroError(
      'badInput',
      `${modelFile} holds ${size} bytes, the manifest says ${manifest.model.bytes}: the file is truncated or replaced`,
      HINT_REEXPORT,
    );
  }
  if (options.verify && sha256(readFileSync(modelFile)) !== manifest.model.sha256) {
    throw new MiniAstroError('badInput', `${modelFile} does not match the manifest's sha256`, HINT_REEXPORT);
  }
  const tokenizer = loadTokenizer(dir);
  const generation = generationConfigFrom(manifest.generation);
  promptTemplate(manifest.promptTemplate);
  let session: ort.InferenceSession;
  try {
    session = await createSession(modelFile, manifest.model.weights === 'int8', options);
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${modelFile}: onnxruntime cannot load it (${describeError(error)})`,
      HINT_REEXPORT,
      { cause: error },
    );
  }
  return {
    model: kvModel(session, config, modelFile),
    config,
    tokenizer,
    promptTemplate: manifest.promptTemplate,
    generation,
    kind: 'export',
    dir,
    manifest,
  };
}

function kvModel(session: ort.InferenceSession, config: Gpt2Config, where: string): KvModel {
  try {
    return new KvModel(session, config);
  } catch (error) {
    throw new MiniAstroError('badInput', `${where}: ${describeError(error)}`, HINT_REEXPORT, {
      cause: error,
    });
  }
}

/** A KvModel over weights in memory (compiled to the same graph an export holds). */
export async function kvModelFromWeights(
  config: Gpt2Config,
  weights: Gpt2Weights,
  options: KvModelOptions = {},
): Promise<KvModel> {
  return new KvModel(await createSession(inferenceOnnx(config, weights), false, options), config);
}

async function openHfFolder(
  dir: string,
  options: OpenOptions,
): Promise<Omit<InferenceModel, 'loadMs' | 'release'>> {
  const { config, weights, metadata } = loadGpt2Folder(dir);
  const hasTokenizer = ['tokenizer.json', 'vocab.json', 'encoder.json'].some((f) =>
    existsSync(path.join(dir, f)),
  );
  const tokenizer = hasTokenizer ? loadTokenizer(dir) : defaultTokenizer();
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new MiniAstroError(
      'badInput',
      `${dir}: the tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${config.vocabSize}`,
      'Use a model trained with the GPT-2 tokenizer (vocab_size 50257).',
    );
  }
  const template = options.promptTemplate ?? recordedPromptTemplate(dir, metadata);
  promptTemplate(template);
  return {
    model: await kvModelFromWeights(config, weights, options),
    config,
    tokenizer,
    promptTemplate: template,
    generation: undefined,
    kind: 'hf-folder',
    dir,
    manifest: undefined,
  };
}

/**
 * Opens an export folder, a HF folder, a checkpoint, or a training run folder (its newest complete checkpoint)
 * for decoding. Throws MiniAstroError on a bad folder.
 */
export async function openInferenceModel(dir: string, options: OpenOptions = {}): Promise<InferenceModel> {
  const start = performance.now();
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${dir}: no such model folder (${describeError(error)})`,
      HINT_MODEL,
      {
        cause: error,
      },
    );
  }
  if (!isDir) throw new MiniAstroError('badInput', `${dir} is a file, not a model folder`, HINT_MODEL);
  let opened: Omit<InferenceModel, 'loadMs' | 'release'>;
  const weightsDir = isExportFolder(dir) ? dir : resolveWeightsDir(dir);
  if (isExportFolder(dir)) opened = await openExport(dir, options);
  else if (existsSync(path.join(weightsDir, CONFIG_FILE))) opened = await openHfFolder(weightsDir, options);
  else if (existsSync(path.join(dir, MODEL_FILE))) {
    throw new MiniAstroError(
      'badInput',
      `${dir} holds ${MODEL_FILE} but no ${MANIFEST_FILE}: not a complete export folder`,
      HINT_REEXPORT,
    );
  } else
    throw new MiniAstroError(
      'badInput',
      `${dir}: no model here (no ${MANIFEST_FILE} or ${CONFIG_FILE})`,
      HINT_MODEL,
    );
  const loadMs = performance.now() - start;
  return { ...opened, loadMs, release: () => opened.model.release() };
}
