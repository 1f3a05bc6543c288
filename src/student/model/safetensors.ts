/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {string: string}}` padded
 * with spaces to a multiple of 8 bytes, then the tensors' bytes, C order, little-endian.
 *
 * Reading checks what the reference implementation checks (header size, UTF-8 JSON, byte ranges that tile the
 * data section exactly, sizes that match dtype x shape) and fails with MiniAstroError('badInput') naming the
 * file and the fault. Each tensor is read straight from the file into its own Float32Array — no whole-file
 * buffer, no second copy for F32 — so a 500 MB checkpoint costs 500 MB, files over 2 GB work, and skipped
 * tensors (mask buffers) are never read. F16, BF16 and F64 are converted to float32 on the way in.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { describeError, MiniAstroError } from '../../core/errors';
import { writeAll, writeFileAtomic } from './atomicFile';
import { bfloat16ToFloat32, float32ToBfloat16, float32ToHalf, halfToFloat32 } from './halfFloat';
import { elementCount, type Tensor } from './weights';

/** Bytes per element of every dtype the format defines; we convert only the floating-point ones. */
const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_SIZES;
export type WritableDtype = 'F32' | 'F16' | 'BF16';

/** The reference implementation refuses headers over 100 MB; so do we (a garbage length would try to allocate). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Byte range relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly file: string;
  readonly fileSize: number;
  /** Absolute offset of the data section: 8 + header length. */
  readonly dataStart: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** In data-offset order. */
  readonly entries: readonly SafetensorsEntry[];
}

export interface SafetensorsContents {
  readonly metadata: Readonly<Record<string, string>>;
  /** In file order (data offsets). */
  readonly tensors: Map<string, Tensor>;
}

const HINT_CORRUPT =
  'The file is damaged or not a safetensors file. Download it again (a cut-off download looks like this), or ' +
  're-save it with safetensors / transformers save_pretrained.';

function corrupt(file: string, what: string, cause?: unknown): MiniAstroError {
  return new MiniAstroError(
    'badInput',
    `${file}: ${what}`,
    HINT_CORRUPT,
    cause === undefined ? undefined : { cause },
  );
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `width`-byte element in place: only on big-endian hosts, where files and memory disagree. */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** Fills `into` from `position`; a short read means the file shrank since we checked its size. */
function readExactly(fd: number, file: string, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const chunk = Math.min(into.length - done, 1 << 30);
    const n = readSync(fd, into, done, chunk, position + done);
    if (n === 0)
      throw corrupt(file, `file ended at byte ${position + done}, expected ${position + into.length}`);
    done += n;
  }
}

function openForRead(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${file}: cannot open safetensors file (${describeError(error)})`,
      'Check the path; a Hugging Face model folder holds model.safetensors next to config.json.',
      { cause: error },
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseEntry(file: string, name: string, value: unknown): SafetensorsEntry {
  const where = `tensor "${name}"`;
  if (!isRecord(value))
    throw corrupt(file, `${where}: expected {dtype, shape, data_offsets}, got ${show(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZES, dtype)) {
    throw corrupt(file, `${where}: unknown dtype ${show(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw corrupt(file, `${where}: shape must be an array of non-negative integers, got ${show(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  ) {
    throw corrupt(
      file,
      `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${show(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const dims = shape as number[];
  const bytes = elementCount(dims) * DTYPE_SIZES[dtype as SafetensorsDtype];
  if (!Number.isSafeInteger(bytes) || end - begin !== bytes) {
    throw corrupt(
      file,
      `${where}: ${dtype} [${dims.join(', ')}] needs ${bytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: dims, begin, end };
}

function parseHeader(file: string, fd: number): SafetensorsHeader {
  const fileSize = fstatSync(fd).size;
  if (fileSize < 8) {
    throw corrupt(file, `file is ${fileSize} bytes, too short for the 8-byte header length (truncated?)`);
  }
  const prefix = new Uint8Array(8);
  readExactly(fd, file, prefix, 0);
  const headerLength = Buffer.from(prefix.buffer).readBigUInt64LE(0);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw corrupt(file, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(headerLength);
  if (8 + n > fileSize) {
    throw corrupt(file, `header length ${n} runs past the end of the file (${fileSize} bytes; truncated?)`);
  }
  const raw = new Uint8Array(n);
  readExactly(fd, file, raw, 8);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (error) {
    throw corrupt(file, 'header is not valid UTF-8', error);
  }
  if (!text.startsWith('{'))
    throw corrupt(file, `header does not start with "{": ${show(text.slice(0, 20))}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `header is not valid JSON (${describeError(error)})`, error);
  }
  if (!isRecord(json)) throw corrupt(file, 'header must be a JSON object');

  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw corrupt(file, `__metadata__ must be an object of strings, got ${show(value)}`);
      }
      metadata = value as Record<string, string>;
      continue;
    }
    entries.push(parseEntry(file, name, value));
  }

  // The byte ranges must tile the data section: no overlap, no gap, nothing after the last tensor.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + n;
  const dataSize = fileSize - dataStart;
  let cursor = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of entries) {
    if (entry.end > dataSize) {
      throw corrupt(
        file,
        `tensor "${entry.name}" data_offsets [${entry.begin}, ${entry.end}] run past the end of the data ` +
          `(${dataSize} bytes; the file is truncated)`,
      );
    }
    if (entry.begin < cursor) {
      throw corrupt(
        file,
        `tensor "${entry.name}" overlaps tensor "${previous?.name}" (bytes ${entry.begin}-${cursor})`,
      );
    }
    if (entry.begin > cursor) {
      throw corrupt(
        file,
        `${entry.begin - cursor} unreferenced bytes before tensor "${entry.name}" (at ${cursor})`,
      );
    }
    cursor = entry.end;
    previous = entry;
  }
  if (cursor !== dataSize) {
    throw corrupt(
      file,
      `${dataSize - cursor} bytes after the last tensor; the header does not describe them`,
    );
  }
  return { file, fileSize, dataStart, metadata, entries };
}

/** The header alone: names, dtypes, shapes, metadata. Reads a few KB even for a multi-GB file. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openForRead(file);
  try {
    return parseHeader(file, fd);
  } finally {
    closeSync(fd);
  }
}

function readEntry(fd: number, header: SafetensorsHeader, entry: SafetensorsEntry): Float32Array {
  const count = elementCount(entry.shape);
  const position = header.dataStart + entry.begin;
  const out = new Float32Array(count);
  switch (entry.dtype) {
    case 'F32': {
      const bytes = new Uint8Array(out.buffer);
      readExactly(fd, header.file, bytes, position);
      if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, 4);
      return out;
    }
    case 'F16':
    case 'BF16': {
      const halves = new Uint16Array(count);
      const bytes = new Uint8Array(halves.buffer);
      readExactly(fd, header.file, bytes, position);
      if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, 2);
      return entry.dtype === 'F16' ? halfToFloat32(halves, out) : bfloat16ToFloat32(halves, out);
    }
    case 'F64': {
      const doubles = new Float64Array(count);
      const bytes = new Uint8Array(doubles.buffer);
      readExactly(fd, header.file, bytes, position);
      if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, 8);
      out.set(doubles);
      return out;
    }
    default:
      throw new MiniAstroError(
        'badInput',
        `${header.file}: tensor "${entry.name}" has dtype ${entry.dtype}; only F32, F16, BF16 and F64 can be read as weights`,
        'Use a floating-point checkpoint (quantized checkpoints are not supported).',
      );
  }
}

export interface ReadSafetensorsOptions {
  /** Which tensors to load; the others are validated in the header but never read. */
  filter?: (entry: SafetensorsEntry) => boolean;
}

/** Every (selected) tensor as float32, with the header's `__metadata__`. */
export function readSafetensors(file: string, options: ReadSafetensorsOptions = {}): SafetensorsContents {
  const fd = openForRead(file);
  try {
    const header = parseHeader(file, fd);
    const tensors = new Map<string, Tensor>();
    for (const entry of header.entries) {
      if (options.filter && !options.filter(entry)) continue;
      tensors.set(entry.name, { shape: [...entry.shape], data: readEntry(fd, header, entry) });
    }
    return { metadata: header.metadata, tensors };
  } finally {
    closeSync(fd);
  }
}

// ---- writing ---------------------------------------------------------------------------------------------------

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
