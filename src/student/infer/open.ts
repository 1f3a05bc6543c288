/**
 * Design goal: one call turns a folder into a ready model, whatever the folder is — an export folder (the
 * weights are read out of its onnx/ file for the chosen format, so the decoder runs the very bytes other
 * runtimes load) or a Hugging Face / checkpoint folder (the safetensors, quantised in memory when asked) — both
 * compiled into the decoder's own graph (decoderGraph.ts), and every way a folder can be wrong becomes a
 * MiniAstroError that names the file and says what to do.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describeError, MiniAstroError } from '../../core/errors';
import { type GenerationConfig, generationConfigFrom } from '../config/generationConfig';
import { promptTemplate } from '../data/template';
import {
  CONFIG_FILE,
  configFromHfJson,
  type Gpt2Config,
  type Gpt2Weights,
  loadGpt2Folder,
  WEIGHTS_FILE,
} from '../model';
import { defaultTokenizer, type Gpt2Tokenizer, loadTokenizer } from '../tokenizer';
import { DECODER_OPSETS, decoderGraph } from './decoderGraph';
import { type ExportManifest, MANIFEST_FILE, readManifest, sha256 } from './export';
import { type GraphWeights, graphWeightsFrom, graphWeightsFromOnnx, type WeightFormat } from './graphWeights';
import { KvModel, type KvModelOptions, resolveSpinning, sessionOptions } from './kvModel';
import { readRecordedTrainerState, recordedPromptTemplate, resolveWeightsDir } from './modelDir';

export interface InferenceModel {
  readonly model: KvModel;
  readonly config: Gpt2Config;
  readonly tokenizer: Gpt2Tokenizer;
  /** Name of the prompt template the model expects. */
  readonly promptTemplate: string;
  /** The export's generation settings; undefined for a HF/checkpoint folder (use configs/generation.yaml). */
  readonly generation: GenerationConfig | undefined;
  readonly kind: 'export' | 'hf-folder';
  /** The weights the decoder runs. */
  readonly weights: WeightFormat;
  readonly dir: string;
  readonly manifest: ExportManifest | undefined;
  /** Time to load files and create the onnxruntime session. */
  readonly loadMs: number;
  release(): Promise<void>;
}

export interface OpenOptions extends KvModelOptions {
  /**
   * Check the weights against their recorded sha256 first (the export manifest, or a checkpoint's
   * trainer_state.json); a folder that records none is refused. Default false.
   */
  verify?: boolean;
  /** For HF/checkpoint folders: the template (default: trainer_state.json, metadata, else abstract-explanation-v1). */
  promptTemplate?: string;
  /** Weights to run: default the export's choice (its manifest), float32 for HF/checkpoint folders. */
  weights?: WeightFormat;
  /** MatMulNBits' accuracy level for quantised weights (layerEmitter.ts; default 4: int8 dot products). */
  accuracyLevel?: number;
}

const HINT_MODEL =
  'Pass an export folder (miniastrolm-export.json + onnx/) or a Hugging Face GPT-2 folder ' +
  '(config.json + model.safetensors).';
const HINT_REEXPORT = 'The export folder is damaged; export the model again from its source folder.';

export function isExportFolder(dir: string): boolean {
  return existsSync(path.join(dir, MANIFEST_FILE));
}

/** An onnxruntime session on the decoder graph, and whether its threads spin (spinPolicy.ts). */
interface DecoderSession {
  readonly session: ort.InferenceSession;
  readonly spinning: boolean;
}

/** An onnxruntime session on the decoder graph of `weights`, and whether its threads spin. */
async function decoderSession(
  config: Gpt2Config,
  weights: GraphWeights,
  options: OpenOptions,
): Promise<DecoderSession> {
  const spin = await resolveSpinning(options);
  const model = decoderGraph(config, weights, options.accuracyLevel).toExternal(DECODER_OPSETS);
  const session = await ort.InferenceSession.create(model.bytes, {
    ...sessionOptions(spin),
    externalData: model.externalData,
  });
  return { session, spinning: spin.spinning === true };
}

function readExportConfig(dir: string): Gpt2Config {
  const configFile = path.join(dir, CONFIG_FILE);
  try {
    return configFromHfJson(JSON.parse(readFileSync(configFile, 'utf8')), configFile);
  } catch (error) {
    if (error instanceof MiniAstroError) throw error;
    throw new MiniAstroError('badInput', `${configFile}: ${describeError(error)}`, HINT_REEXPORT, {
      cause: error,
    });
  }
}

async function openExport(
  dir: string,
  options: OpenOptions,
): Promise<Omit<InferenceModel, 'loadMs' | 'release'>> {
  const manifest = readManifest(dir);
  const config = readExportConfig(dir);
  const format = options.weights ?? manifest.model.weights;
  const entry = manifest.model.files[format];
  if (!entry) {
    throw new MiniAstroError(
      'badInput',
      `${dir} holds no ${format} model (it has ${Object.keys(manifest.model.files).join(', ')})`,
      `Pick one of those, or export again with --weights ${format}.`,
    );
  }
  const modelFile = path.join(dir, entry.file);
  if (!existsSync(modelFile)) throw new MiniAstroError('badInput', `${dir}: no ${entry.file}`, HINT_REEXPORT);
  const bytes = readFileSync(modelFile);
  if (bytes.byteLength !== entry.bytes) {
    throw new MiniAstroError(
      'badInput',
      `${modelFile} holds ${bytes.byteLength} bytes, the manifest says ${entry.bytes}: the file is truncated or replaced`,
      HINT_REEXPORT,
    );
  }
  if (options.verify && sha256(bytes) !== entry.sha256) {
    throw new MiniAstroError('badInput', `${modelFile} does not match the manifest's sha256`, HINT_REEXPORT);
  }
  const tokenizer = loadTokenizer(dir);
  const generation = generationConfigFrom(manifest.generation);
  promptTemplate(manifest.promptTemplate);
  let decoder: DecoderSession;
  try {
    decoder = await decoderSession(config, graphWeightsFromOnnx(bytes, config, format), options);
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${modelFile}: cannot load it (${describeError(error)})`,
      HINT_REEXPORT,
      { cause: error },
    );
  }
  return {
    model: kvModel(decoder, config, modelFile),
    config,
    tokenizer,
    promptTemplate: manifest.promptTemplate,
    generation,
    kind: 'export',
    weights: format,
    dir,
    manifest,
  };
}

function kvModel({ session, spinning }: DecoderSession, config: Gpt2Config, where: string): KvModel {
  try {
    return new KvModel(session, config, spinning);
  } catch (error) {
    throw new MiniAstroError('badInput', `${where}: ${describeError(error)}`, HINT_REEXPORT, {
      cause: error,
    });
  }
}

/** A KvModel over weights in memory (float32, or quantised here as `options.weights` says). */
export async function kvModelFromWeights(
  config: Gpt2Config,
  weights: Gpt2Weights,
  options: KvModelOptions & Pick<OpenOptions, 'weights' | 'accuracyLevel'> = {},
): Promise<KvModel> {
  const graphWeights = graphWeightsFrom(config, weights, options.weights ?? 'float32');
  const { session, spinning } = await decoderSession(config, graphWeights, options);
  return new KvModel(session, config, spinning);
}

/** Checks model.safetensors against the sha256 its checkpoint recorded; refuses a folder that records none. */
function verifyCheckpoint(dir: string): void {
  const recorded = readRecordedTrainerState(dir)?.weightsSha256;
  if (recorded === undefined) {
    throw new MiniAstroError(
      'usage',
      `--verify: ${dir} records no sha256 to check its weights against (it is neither an export folder nor a training checkpoint)`,
      'Drop --verify, or export the model (miniastrolm export-model) and explain from the export folder.',
    );
  }
  const file = path.join(dir, WEIGHTS_FILE);
  if (sha256(readFileSync(file)) !== recorded) {
    throw new MiniAstroError(
      'badInput',
      `${file} does not match the sha256 recorded in trainer_state.json`,
      'The checkpoint is damaged: use an earlier checkpoint, or the run folder (its newest complete checkpoint).',
    );
  }
}

async function openHfFolder(
  dir: string,
  options: OpenOptions,
): Promise<Omit<InferenceModel, 'loadMs' | 'release'>> {
  // The trainer state first: a damaged one is refused before the (slow) weights load.
  readRecordedTrainerState(dir);
  if (options.verify) verifyCheckpoint(dir);
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
  const chosen = options.promptTemplate ?? recordedPromptTemplate(dir, metadata);
  promptTemplate(chosen);
  const format = options.weights ?? 'float32';
  let model: KvModel;
  try {
    model = await kvModelFromWeights(config, weights, { ...options, weights: format });
  } catch (error) {
    // checkFormat's refusal: this model's widths cannot be block-quantised.
    if (error instanceof RangeError) {
      throw new MiniAstroError('usage', `${dir}: ${error.message}`, 'Use --weights float32.');
    }
    throw error;
  }
  return {
    model,
    config,
    tokenizer,
    promptTemplate: chosen,
    generation: undefined,
    kind: 'hf-folder',
    weights: format,
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
  else if (existsSync(path.join(dir, 'model.onnx')) || existsSync(path.join(dir, 'onnx'))) {
    throw new MiniAstroError(
      'badInput',
      `${dir} holds ONNX files but no ${MANIFEST_FILE}: not a complete export folder`,
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
