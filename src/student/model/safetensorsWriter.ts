/**
 * Writing safetensors: tensors sorted by name, the header padded with spaces to a multiple of 8 bytes as the
 * reference implementation does, F32 as is or rounded to F16/BF16 (round to nearest even), written atomically.
 */
import { MiniAstroError } from '../../core/errors';
import { writeAll, writeFileAtomic } from './atomicFile';
import { float32ToBfloat16, float32ToHalf } from './halfFloat';
import { DTYPE_SIZES, LITTLE_ENDIAN_HOST, swapBytes, type WritableDtype } from './safetensorsFormat';
import { elementCount, type Tensor } from './weights';

export interface WriteSafetensorsOptions {
  /**
   * String metadata for `__metadata__`. `format: "pt"` is always included unless given: transformers refuses
   * safetensors files without a known format when loading them with from_pretrained.
   */
  metadata?: Record<string, string>;
  /** Storage type; float32 values are rounded to nearest even for F16/BF16. Default F32. */
  dtype?: WritableDtype;
}

/** Elements converted per write for F16/BF16, bounding the temporary buffer to a few MB. */
const CHUNK_ELEMENTS = 1 << 20;

function badTensor(file: string, what: string): MiniAstroError {
  return new MiniAstroError('badInput', `${file}: cannot write ${what}`, 'This is a bug in the caller.');
}

/**
 * The header bytes (JSON + space padding to 8) and each tensor's data offsets. Tensors are laid out sorted by
 * name — the order the reference writer uses for a single dtype — so the same weights give the same file.
 */
export function encodeSafetensorsHeader(
  entries: readonly (readonly [string, Tensor])[],
  dtype: WritableDtype,
  metadata: Record<string, string>,
): Uint8Array {
  const size = DTYPE_SIZES[dtype];
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of entries) {
    const bytes = tensor.data.length * size;
    header[name] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, 0x20);
  json.copy(padded);
  return padded;
}

function tensorBytes(data: Float32Array, dtype: WritableDtype, start: number, end: number): Uint8Array {
  const slice = data.subarray(start, end);
  if (dtype === 'F32') {
    const view = new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength);
    if (LITTLE_ENDIAN_HOST) return view;
    const copy = view.slice();
    swapBytes(copy, 4);
    return copy;
  }
  const halves = dtype === 'F16' ? float32ToHalf(slice) : float32ToBfloat16(slice);
  const bytes = new Uint8Array(halves.buffer);
  if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, 2);
  return bytes;
}

/** Writes `tensors` to `file` atomically (temp file, fsync, rename). */
export function writeSafetensors(
  file: string,
  tensors: Iterable<readonly [string, Tensor]>,
  options: WriteSafetensorsOptions = {},
): void {
  const dtype = options.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
    throw badTensor(file, `dtype ${dtype}: only F32, F16 and BF16 are written`);
  }
  const metadata = { format: 'pt', ...options.metadata };
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw badTensor(file, `metadata "${key}": values must be strings`);
  }
  const seen = new Set<string>();
  const entries: [string, Tensor][] = [];
  for (const [name, tensor] of tensors) {
    if (name === '' || name === '__metadata__')
      throw badTensor(file, `a tensor named ${JSON.stringify(name)}`);
    if (seen.has(name)) throw badTensor(file, `tensor "${name}" twice`);
    seen.add(name);
    if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw badTensor(file, `tensor "${name}" with shape [${tensor.shape.join(', ')}]`);
    }
    if (elementCount(tensor.shape) !== tensor.data.length) {
      throw badTensor(
        file,
        `tensor "${name}": ${tensor.data.length} values do not fill shape [${tensor.shape.join(', ')}]`,
      );
    }
    entries.push([name, tensor]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header = encodeSafetensorsHeader(entries, dtype, metadata);

  writeFileAtomic(file, (fd) => {
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    writeAll(fd, length);
    writeAll(fd, header);
    for (const [, tensor] of entries) {
      const step = dtype === 'F32' && LITTLE_ENDIAN_HOST ? tensor.data.length || 1 : CHUNK_ELEMENTS;
      for (let start = 0; start < tensor.data.length; start += step) {
        writeAll(fd, tensorBytes(tensor.data, dtype, start, Math.min(tensor.data.length, start + step)));
      }
    }
  });
}
