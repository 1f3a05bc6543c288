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
import type { Gpt2Config, Gpt2Weights, Tensor } from '../model';
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
  /** A float32 tensor (LayerNorm, bias, position table; every weight in 'float32'). */
  tensor(name: string): Tensor;
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

/** Throws when `format` cannot hold this model (its widths are not multiples of 16). */
export function checkFormat(config: Gpt2Config, format: WeightFormat): number | undefined {
  if (format === 'float32') return undefined;
  const blockSize = blockSizeFor(inputDims(config));
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
    tensor(name) {
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

/**
 * The weights inside an ONNX file this project exported (hfGraph.ts), read back by initializer name, so the
 * decoder runs the very bytes the file holds. Throws a plain Error naming what is missing or malformed.
 */
export function graphWeightsFromOnnx(
  bytes: Uint8Array,
  config: Gpt2Config,
  format: WeightFormat,
): GraphWeights {
  const model = ModelProto.decode(bytes) as unknown as { graph?: { initializer?: TensorMsg[] } };
  const byName = new Map<string, TensorMsg>();
  for (const t of model.graph?.initializer ?? []) byName.set(t.name, t);
  const get = (name: string, dataType: number, size: number): Uint8Array => {
    const t = byName.get(name);
    if (!t) throw new Error(`the model has no initializer ${name}`);
    if (t.dataType !== dataType || t.rawData.byteLength !== size) {
      throw new Error(
        `initializer ${name} has type ${t.dataType} and ${t.rawData.byteLength} bytes, not ${size}`,
      );
    }
    // rawData views the file buffer at any offset: copy so float32 views are aligned.
    return new Uint8Array(t.rawData);
  };
  const blockSize = checkFormat(config, format);
  const tensor = (name: string, shape: readonly number[]): Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const raw = get(name, 1, n * 4);
    return { shape, data: new Float32Array(raw.buffer, raw.byteOffset, n) };
  };
  const cache = new Map<string, QuantizedMatrix>();
  const shapes = new Map<string, readonly number[]>();
  for (const t of model.graph?.initializer ?? []) shapes.set(t.name, t.dims.map(num));
  return {
    format,
    blockSize,
    tensor(name) {
      const shape = shapes.get(name);
      if (!shape) throw new Error(`the model has no initializer ${name}`);
      return tensor(name, shape);
    },
    quantized(name) {
      const bits = bitsOf(format, name);
      if (bits === undefined || blockSize === undefined) return undefined;
      const known = cache.get(name);
      if (known) return known;
      const isWte = name === 'wte.weight';
      const n = isWte
        ? config.vocabSize
        : name.endsWith('c_attn.weight')
          ? 3 * config.nEmbd
          : name.endsWith('c_fc.weight')
            ? 4 * config.nEmbd
            : config.nEmbd;
      const k = name.endsWith('mlp.c_proj.weight') ? 4 * config.nEmbd : config.nEmbd;
      const blocks = k / blockSize;
      const data = get(`${name}${QUANT_SUFFIX}`, 2, n * blocks * ((blockSize * bits) / 8));
      const raw = get(`${name}${SCALES_SUFFIX}`, 1, n * blocks * 4);
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
