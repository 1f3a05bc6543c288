/**
 * Design goal: one description of "the weights a graph reads" — float32 tensors, or the four projection
 * matrices of every block (and the tied embedding / LM head) as block-quantised bytes — so the exported files
 * and the decoder's own in-memory graph are built from the same values. Formats:
 * - 'float32': every tensor as trained;
 * - 'int8': the projections and the embedding in 8 bits (quantize.ts);
 * - 'int4': the projections in 4 bits, the embedding / LM head in 8 (the head decides every token's ranking,
 *   and 4 bits there costs far more agreement than it saves bytes).
 * LayerNorm parameters, biases and the position table stay float32 in every format (a few hundred KB).
 * Initializer names: HF's (`h.0.attn.c_attn.weight`), with `.q` and `.scales` appended for quantised matrices.
 */
import { ModelProto } from '../graph/onnxSchema';
import type { Gpt2Config, Gpt2Weights } from '../model';
import { blockSizeFor, type QuantBits, type QuantizedMatrix, quantizeBlocks } from './quantize';

export type WeightFormat = 'float32' | 'int8' | 'int4';
export const WEIGHT_FORMATS: readonly WeightFormat[] = ['float32', 'int8', 'int4'];

/** The projections quantised in 'int8' and 'int4' (suffixes after `h.N.`), all Conv1D [in, out]. */
export const PROJECTIONS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;

export const QUANT_SUFFIX = '.q';
export const SCALES_SUFFIX = '.scales';

export interface GraphWeights {
  readonly format: WeightFormat;
  /** Block size of the quantised matrices (undefined for float32). */
  readonly blockSize: number | undefined;
  /**
   * A float32 tensor (LayerNorm, bias, position table; every weight in 'float32') as its shape and its bytes in
   * any view (read out of a file they are not copied, so they need not be 4-byte aligned).
   */
  float32(name: string): { readonly shape: readonly number[]; readonly data: ArrayBufferView };
  /** The quantised form of a matrix, or undefined when it is float32. */
  quantized(name: string): QuantizedMatrix | undefined;
}

export function bitsOf(format: WeightFormat, name: string): QuantBits | undefined {
  if (format === 'float32') return undefined;
  if (name === 'wte.weight') return 8;
  if (!PROJECTIONS.some((p) => name.endsWith(`.${p}.weight`))) return undefined;
  return format === 'int8' ? 8 : 4;
}

/** Input dims of the quantised matrices, which the block size must divide. */
function inputDims(config: Gpt2Config): number[] {
  return [config.nEmbd, 4 * config.nEmbd];
}

/**
 * The block size `format` quantises this model with (quantize.ts: 128 for int8, 32 for int4, when the widths
 * allow); throws when `format` cannot hold it (its widths are not multiples of 16).
 */
export function checkFormat(config: Gpt2Config, format: WeightFormat): number | undefined {
  if (format === 'float32') return undefined;
  const blockSize = blockSizeFor(inputDims(config), format === 'int8' ? 8 : 4);
  if (blockSize === undefined) {
    throw new RangeError(
      `${format} needs n_embd to be a multiple of 16 (it is ${config.nEmbd}); use float32 for this model`,
    );
  }
  return blockSize;
}

/** Quantises `weights` into `format` (float32: the tensors as they are). */
export function graphWeightsFrom(
  config: Gpt2Config,
  weights: Gpt2Weights,
  format: WeightFormat,
): GraphWeights {
  const blockSize = checkFormat(config, format);
  const quantized = new Map<string, QuantizedMatrix>();
  if (blockSize !== undefined) {
    for (const [name, t] of weights) {
      const bits = bitsOf(format, name);
      if (bits === undefined) continue;
      const [rows, cols] = t.shape as [number, number];
      // wte is [V, C]: rows are outputs of the tied head; a Conv1D weight is [in, out].
      quantized.set(
        name,
        name === 'wte.weight'
          ? quantizeBlocks(t.data, cols, rows, 'nk', bits, blockSize)
          : quantizeBlocks(t.data, rows, cols, 'kn', bits, blockSize),
      );
    }
  }
  return {
    format,
    blockSize,
    float32(name) {
      const t = weights.get(name);
      if (!t) throw new Error(`graph weights: no tensor ${name}`);
      return t;
    },
    quantized: (name) => quantized.get(name),
  };
}

interface TensorMsg {
  name: string;
  dims: (number | { toNumber(): number })[];
  dataType: number;
  rawData: Uint8Array;
}

const num = (d: number | { toNumber(): number }) => (typeof d === 'number' ? d : d.toNumber());

/** [n, k] of a quantised matrix (outputs, inputs): the tied head's are [V, C], a Conv1D weight's its [out, in]. */
function matrixShape(config: Gpt2Config, name: string): { n: number; k: number } {
  const C = config.nEmbd;
  if (name === 'wte.weight') return { n: config.vocabSize, k: C };
  if (name.endsWith('attn.c_attn.weight')) return { n: 3 * C, k: C };
  if (name.endsWith('mlp.c_fc.weight')) return { n: 4 * C, k: C };
  if (name.endsWith('mlp.c_proj.weight')) return { n: C, k: 4 * C };
  return { n: C, k: C };
}

/**
 * The weights inside an ONNX file this project exported (hfGraph.ts), read back by initializer name, so the
 * decoder runs the very bytes the file holds — views into `bytes`, not copies (only the small scale tables are
 * copied, to be float32-aligned). Throws a plain Error naming what is missing or malformed.
 */
export function graphWeightsFromOnnx(
  bytes: Uint8Array,
  config: Gpt2Config,
  format: WeightFormat,
): GraphWeights {
  const model = ModelProto.decode(bytes) as unknown as { graph?: { initializer?: TensorMsg[] } };
  const byName = new Map<string, TensorMsg>();
  for (const t of model.graph?.initializer ?? []) byName.set(t.name, t);
  const get = (name: string, dataType: number, size?: number): TensorMsg => {
    const t = byName.get(name);
    if (!t) throw new Error(`the model has no initializer ${name}`);
    if (t.dataType !== dataType || (size !== undefined && t.rawData.byteLength !== size)) {
      throw new Error(
        `initializer ${name} has type ${t.dataType} and ${t.rawData.byteLength} bytes, not ${size}`,
      );
    }
    return t;
  };
  checkFormat(config, format);
  // The block size the file was written with, read off the LM head's scales [V, C / blockSize]: files exported
  // before int8 moved to 128-blocks hold 32-blocks, and they load as they are.
  const headScales = format === 'float32' ? undefined : byName.get(`wte.weight${SCALES_SUFFIX}`);
  const blockSize = headScales ? config.nEmbd / num(headScales.dims[1] ?? 0) : undefined;
  if (blockSize !== undefined && !(Number.isInteger(blockSize) && blockSize >= 16)) {
    throw new Error(
      `initializer wte.weight${SCALES_SUFFIX} has dims [${headScales!.dims.map(num).join(', ')}]`,
    );
  }
  if (format !== 'float32' && blockSize === undefined) {
    throw new Error(`the model has no initializer wte.weight${SCALES_SUFFIX}`);
  }
  const cache = new Map<string, QuantizedMatrix>();
  return {
    format,
    blockSize,
    float32(name) {
      const t = get(name, 1);
      const shape = t.dims.map(num);
      if (t.rawData.byteLength !== shape.reduce((a, b) => a * b, 4)) {
        throw new Error(
          `initializer ${name} holds ${t.rawData.byteLength} bytes for shape [${shape.join(', ')}]`,
        );
      }
      return { shape, data: t.rawData };
    },
    quantized(name) {
      const bits = bitsOf(format, name);
      if (bits === undefined || blockSize === undefined) return undefined;
      const known = cache.get(name);
      if (known) return known;
      const { n, k } = matrixShape(config, name);
      const blocks = k / blockSize;
      const data = get(`${name}${QUANT_SUFFIX}`, 2, n * blocks * ((blockSize * bits) / 8)).rawData;
      const raw = new Uint8Array(get(`${name}${SCALES_SUFFIX}`, 1, n * blocks * 4).rawData);
      const m: QuantizedMatrix = {
        bits,
        blockSize,
        n,
        k,
        data,
        scales: new Float32Array(raw.buffer, raw.byteOffset, n * blocks),
      };
      cache.set(name, m);
      return m;
    },
  };
}
