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
import { bfloat16ToFloat32, halfToFloat32 } from './halfFloat';
import {
  DTYPE_SIZES,
  LITTLE_ENDIAN_HOST,
  MAX_HEADER_BYTES,
  type SafetensorsContents,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
  swapBytes,
} from './safetensorsFormat';
import { elementCount, type Tensor } from './weights';

/** Bytes per element of every dtype the format defines; we convert only the floating-point ones. */
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

export * from './safetensorsFormat';
export { encodeSafetensorsHeader, type WriteSafetensorsOptions, writeSafetensors } from './safetensorsWriter';
