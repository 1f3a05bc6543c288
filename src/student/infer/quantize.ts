/**
 * Design goal: weights that stay small while the model runs. A matrix is quantised in blocks of `blockSize`
 * values along its input dimension (K), each block with its own float32 scale, symmetric round-to-nearest:
 * q = round(w / s) (half away from zero), s = max|w| / qmax (127 for 8 bits, 7 for 4). The bytes are laid out exactly as onnxruntime's
 * com.microsoft MatMulNBits reads them — [N, K / blockSize, blockSize · bits / 8], no zero-point tensor, so the
 * default zero point 2^(bits-1) applies (stored byte = q + 128, or two nibbles q + 8, low nibble first) — and
 * the kernel multiplies by them without ever widening the matrix to float32. One function makes these bytes for
 * every file and in-memory graph, so the same weights always quantise to the same bits.
 */

export type QuantBits = 4 | 8;

export interface QuantizedMatrix {
  readonly bits: QuantBits;
  readonly blockSize: number;
  /** Output features (rows of B in MatMulNBits). */
  readonly n: number;
  /** Input features. */
  readonly k: number;
  /** [n, k / blockSize, blockSize · bits / 8] bytes, zero point 2^(bits-1). */
  readonly data: Uint8Array;
  /** [n, k / blockSize]. */
  readonly scales: Float32Array;
}

/**
 * Block sizes tried, largest first, for each bit width (the first that divides every input width wins). 8 bits:
 * 128 — a scale per 128 weights is 3% extra bytes instead of 12.5% at 32, and MatMulNBits runs a one-row product
 * 13% faster (4.42 → 3.85 ms for GPT-2 124M's matrices on the 2-core bench machine), while 8-bit rounding error
 * stays far below what moves a greedy choice. 4 bits: 32, since with only 15 levels a block's outlier costs its
 * neighbours much more. 16 is MatMulNBits' smallest.
 */
export const BLOCK_SIZES: Readonly<Record<QuantBits, readonly number[]>> = {
  8: [128, 64, 32, 16],
  4: [32, 16],
};

/** The block size for matrices of `bits` whose input dims are `dims` (undefined: none divides them all). */
export function blockSizeFor(dims: readonly number[], bits: QuantBits): number | undefined {
  return BLOCK_SIZES[bits].find((b) => dims.every((d) => d % b === 0));
}

/**
 * Quantises `w`, stored [k, n] row-major when `layout` is 'kn' (a Conv1D weight: x @ W) or [n, k] when 'nk'
 * (an embedding table, whose rows are the tied LM head's outputs).
 */
export function quantizeBlocks(
  w: Float32Array,
  k: number,
  n: number,
  layout: 'kn' | 'nk',
  bits: QuantBits,
  blockSize: number,
): QuantizedMatrix {
  if (k % blockSize !== 0) throw new RangeError(`quantizeBlocks: k ${k} is not a multiple of ${blockSize}`);
  if (w.length !== k * n) throw new RangeError(`quantizeBlocks: ${w.length} values for ${k} × ${n}`);
  const blocks = k / blockSize;
  const qmax = bits === 8 ? 127 : 7;
  const scales = new Float32Array(n * blocks);
  // Codes q in [-qmax, qmax], [n, k] (output-major, as MatMulNBits stores them), then packed into bytes.
  const codes = new Int8Array(n * k);
  // Round half away from zero by hand: |value / scale| ≤ qmax (+ a rounding hair), and Math.round is 3x slower.
  const code = (value: number, scale: number) => {
    const x = value / scale;
    const q = (x + (x >= 0 ? 0.5 : -0.5)) | 0;
    return Math.max(-qmax, Math.min(qmax, q));
  };
  // fround: the kernel multiplies by this float32, so q is chosen against it.
  const scaleOf = (maxAbs: number) => (maxAbs > 0 ? Math.fround(maxAbs / qmax) : 1);
  if (layout === 'nk') {
    // Rows are contiguous: one block at a time.
    for (let at = 0; at < n * k; at += blockSize) {
      let maxAbs = 0;
      for (let j = at; j < at + blockSize; j++) {
        const a = Math.abs(w[j]!);
        if (a > maxAbs) maxAbs = a;
      }
      const scale = scaleOf(maxAbs);
      scales[at / blockSize] = scale;
      for (let j = at; j < at + blockSize; j++) codes[j] = code(w[j]!, scale);
    }
  } else {
    // [k, n]: one block of input rows at a time (blockSize · n values, contiguous, small enough to stay in the
    // cache while each output's column of it is read), so neither reads nor writes jump around the matrix.
    for (let b = 0; b < blocks; b++) {
      const first = b * blockSize * n;
      for (let r = 0; r < n; r++) {
        let maxAbs = 0;
        for (let j = 0, at = first + r; j < blockSize; j++, at += n) {
          const a = Math.abs(w[at]!);
          if (a > maxAbs) maxAbs = a;
        }
        const scale = scaleOf(maxAbs);
        scales[r * blocks + b] = scale;
        const out = r * k + b * blockSize;
        for (let j = 0, at = first + r; j < blockSize; j++, at += n) codes[out + j] = code(w[at]!, scale);
      }
    }
  }
  return { bits, blockSize, n, k, data: packCodes(codes, bits), scales };
}

/** Codes as MatMulNBits' bytes: q + 128 per byte, or two nibbles q + 8, the first element in the low one. */
function packCodes(codes: Int8Array, bits: QuantBits): Uint8Array {
  if (bits === 8) {
    const data = new Uint8Array(codes.length);
    for (let i = 0; i < codes.length; i++) data[i] = codes[i]! + 128;
    return data;
  }
  const data = new Uint8Array(codes.length / 2);
  for (let i = 0; i < data.length; i++) data[i] = (codes[2 * i]! + 8) | ((codes[2 * i + 1]! + 8) << 4);
  return data;
}

/** The float32 matrix a quantised one stands for, [k, n] ('kn') or [n, k] ('nk'): the reference in tests. */
export function dequantizeBlocks(m: QuantizedMatrix, layout: 'kn' | 'nk'): Float32Array {
  const { n, k, bits, blockSize } = m;
  const blocks = k / blockSize;
  const blob = (blockSize * bits) / 8;
  const zero = 1 << (bits - 1);
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < k; i++) {
      const b = Math.floor(i / blockSize);
      const j = i % blockSize;
      const byte = m.data[(r * blocks + b) * blob + (bits === 8 ? j : j >> 1)]!;
      const q = (bits === 8 ? byte : (j & 1) === 0 ? byte & 15 : byte >> 4) - zero;
      out[layout === 'nk' ? r * k + i : i * n + r] = Math.fround(q * m.scales[r * blocks + b]!);
    }
  }
  return out;
}
