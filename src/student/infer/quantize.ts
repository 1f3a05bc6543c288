/**
 * Design goal: weights that stay small while the model runs. A matrix is quantised in blocks of `blockSize`
 * values along its input dimension (K), each block with its own float32 scale, symmetric round-to-nearest:
 * q = round(w / s), s = max|w| / qmax (127 for 8 bits, 7 for 4). The bytes are laid out exactly as onnxruntime's
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

/** The block size for a model whose matrices have input dims `dims`: 32, else 16 (MatMulNBits' smallest). */
export function blockSizeFor(dims: readonly number[]): number | undefined {
  return [32, 16].find((b) => dims.every((d) => d % b === 0));
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
  const blob = (blockSize * bits) / 8;
  const qmax = bits === 8 ? 127 : 7;
  const zero = 1 << (bits - 1);
  const data = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const setScale = (r: number, b: number, maxAbs: number) => {
    // fround: the kernel multiplies by this float32, so q is chosen against it.
    const scale = maxAbs > 0 ? Math.fround(maxAbs / qmax) : 1;
    scales[r * blocks + b] = scale;
    return scale;
  };
  const put = (r: number, b: number, j: number, value: number, scale: number) => {
    const q = Math.max(-qmax, Math.min(qmax, Math.round(value / scale))) + zero;
    if (bits === 8) data[(r * blocks + b) * blob + j] = q;
    else if ((j & 1) === 0) data[(r * blocks + b) * blob + (j >> 1)] = q;
    else data[(r * blocks + b) * blob + (j >> 1)]! |= q << 4;
  };
  if (layout === 'nk') {
    // Rows are contiguous: one block at a time.
    for (let r = 0; r < n; r++) {
      for (let b = 0; b < blocks; b++) {
        const first = r * k + b * blockSize;
        let maxAbs = 0;
        for (let j = 0; j < blockSize; j++) maxAbs = Math.max(maxAbs, Math.abs(w[first + j]!));
        const scale = setScale(r, b, maxAbs);
        for (let j = 0; j < blockSize; j++) put(r, b, j, w[first + j]!, scale);
      }
    }
    return { bits, blockSize, n, k, data, scales };
  }
  // [k, n]: walked input row by input row so every read is sequential (down the columns would miss the cache
  // on every element), with the running maxima of one block of rows kept for all n outputs.
  const maxAbs = new Float32Array(n);
  const rowScales = new Float32Array(n);
  for (let b = 0; b < blocks; b++) {
    maxAbs.fill(0);
    for (let j = 0; j < blockSize; j++) {
      const row = (b * blockSize + j) * n;
      for (let r = 0; r < n; r++) maxAbs[r] = Math.max(maxAbs[r]!, Math.abs(w[row + r]!));
    }
    for (let r = 0; r < n; r++) rowScales[r] = setScale(r, b, maxAbs[r]!);
    for (let j = 0; j < blockSize; j++) {
      const row = (b * blockSize + j) * n;
      for (let r = 0; r < n; r++) put(r, b, j, w[row + r]!, rowScales[r]!);
    }
  }
  return { bits, blockSize, n, k, data, scales };
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
