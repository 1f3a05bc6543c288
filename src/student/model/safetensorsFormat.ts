/**
 * The safetensors format's vocabulary, shared by the reader and the writer: dtypes and their sizes, the header's
 * shape, and the byte-order helpers (files are little-endian whatever the host is).
 */
import type { Tensor } from './weights';

export const DTYPE_SIZES = {
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

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `width`-byte element in place: only on big-endian hosts, where files and memory disagree. */
export function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i + width <= bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}
