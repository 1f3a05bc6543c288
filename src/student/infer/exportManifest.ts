/**
 * What an export folder is, as its manifest (miniastrolm-export.json) describes it: where each weight format's ONNX
 * file lies (named as transformers.js looks for them), the source weights' hash, the prompt template and the
 * generation settings; and reading a manifest back, refusing a damaged one or one of the first export format
 * with the command that exports the model again. export.ts writes folders; open.ts opens them.
 */
import path from 'node:path';
import { MiniAstroError } from '../../core/errors';
import type { GenerationConfig } from '../config/generationConfig';
import type { WeightFormat } from './graphWeights';
import { readJsonFile } from './modelDir';

/** The float32 model, where transformers.js looks for it (dtype 'fp32'). */
export const MODEL_FILE = 'onnx/model.onnx';
/** The model file of each weight format, named as transformers.js names its dtypes (fp32, q8, q4). */
export const MODEL_FILES: Readonly<Record<WeightFormat, string>> = {
  float32: MODEL_FILE,
  int8: 'onnx/model_quantized.onnx',
  int4: 'onnx/model_q4.onnx',
};
export const MANIFEST_FILE = 'miniastrolm-export.json';
export const EXPORT_FORMAT = 'miniastrolm-inference-export';
export const EXPORT_VERSION = 2;

export interface ExportedFile {
  file: string;
  bytes: number;
  sha256: string;
  /** Block size of a quantised file's matrices (quantize.ts: 128 in int8 files, 32 in int4); absent for float32. */
  blockSize?: number;
}

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
    /** The weights `explain` uses unless told otherwise. */
    weights: WeightFormat;
    /** The ONNX file of each weight format written (float32 and int8 always, int4 when asked). */
    files: Partial<Record<WeightFormat, ExportedFile>>;
    /** Block size of the int8 file's matrices (each quantised file records its own in `files`). */
    blockSize: number | null;
    opset: number;
    inputs: string[];
    outputs: string[];
  };
  /** model.safetensors (float32, GPT2LMHeadModel names) for Python tools. */
  safetensors: ExportedFile;
  /** The prompt template the model was trained with (src/student/data/template.ts). */
  promptTemplate: string;
  tokenizer: { files: string[]; source: string };
  generation: GenerationConfig;
}

/** Reads and checks a manifest; throws MiniAstroError('badInput') naming the problem. */
export function readManifest(dir: string): ExportManifest {
  const file = path.join(dir, MANIFEST_FILE);
  const hint = 'The export folder is damaged or from another version; export the model again.';
  const value = readJsonFile(file, 'the export manifest', hint);
  const m = value as Partial<ExportManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== EXPORT_FORMAT) {
    throw new MiniAstroError('badInput', `${file}: not a ${EXPORT_FORMAT} manifest`, hint);
  }
  if (m.version !== EXPORT_VERSION) {
    // Version 1 (model.onnx at the top, weights dequantised at load) is read no more: say how to re-export.
    const from = (m.source as { path?: unknown } | undefined)?.path;
    throw new MiniAstroError(
      'badInput',
      `${file}: export format version ${String(m.version)}, this build reads version ${EXPORT_VERSION}`,
      typeof from === 'string'
        ? `Export the model again: miniastrolm export-model --model ${from} --out ${dir}`
        : 'Export the model again with miniastrolm export-model from its checkpoint or Hugging Face folder.',
    );
  }
  const files = m.model?.files;
  if (
    typeof files !== 'object' ||
    files === null ||
    typeof files.float32?.bytes !== 'number' ||
    typeof files.float32.sha256 !== 'string' ||
    typeof m.model?.weights !== 'string' ||
    typeof m.promptTemplate !== 'string' ||
    typeof m.source?.weightsSha256 !== 'string' ||
    typeof m.generation !== 'object'
  ) {
    throw new MiniAstroError('badInput', `${file}: the manifest lacks required fields`, hint);
  }
  return m as ExportManifest;
}
