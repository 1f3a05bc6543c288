/**
 * IEEE half (F16) and bfloat16 (BF16) conversions for safetensors files. Reading uses a 64K-entry table (one
 * load per value) because it runs over every weight of a half-precision checkpoint; writing rounds to nearest,
 * ties to even, as numpy and PyTorch do, so our F16 files hold the same bits theirs would.
 */

let halfTable: Float32Array | undefined;

/** Exact value of a half-precision bit pattern. */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfBitsToFloat(h);
  }
  return halfTable;
}

export function halfToFloat32(source: Uint16Array, out = new Float32Array(source.length)): Float32Array {
  const t = table();
  for (let i = 0; i < source.length; i++) out[i] = t[source[i]!]!;
  return out;
}

/** bfloat16 is the top half of a float32: shifting the bits back is exact. */
export function bfloat16ToFloat32(source: Uint16Array, out = new Float32Array(source.length)): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < source.length; i++) bits[i] = source[i]! << 16;
  return out;
}

/** Float32 bit pattern to half bits, round to nearest even (a port of numpy's npy_floatbits_to_halfbits). */
export function float32BitsToHalfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const fExp = f & 0x7f800000;
  if (fExp >= 0x47800000) {
    // Too big for half (or inf/NaN): NaN keeps its top mantissa bits and stays a NaN.
    if (fExp === 0x7f800000) {
      const fSig = f & 0x007fffff;
      if (fSig !== 0) {
        const h = 0x7c00 + (fSig >>> 13);
        return sign | (h === 0x7c00 ? 0x7c01 : h);
      }
    }
    return sign | 0x7c00;
  }
  if (fExp <= 0x38000000) {
    // Half subnormal or zero.
    if (fExp < 0x33000000) return sign;
    const e = fExp >>> 23;
    let fSig = 0x00800000 + (f & 0x007fffff);
    fSig >>>= 113 - e;
    // Round half to even; the shift may have dropped up to 11 low bits, which break a tie if any is set.
    if ((fSig & 0x3fff) !== 0x1000 || (f & 0x7ff) !== 0) fSig += 0x1000;
    return sign | (fSig >>> 13);
  }
  const hExp = (fExp - 0x38000000) >>> 13;
  let fSig = f & 0x007fffff;
  if ((fSig & 0x3fff) !== 0x1000) fSig += 0x1000;
  // A carry out of the mantissa bumps the exponent, possibly to infinity: both are the right answer.
  return sign | (hExp + (fSig >>> 13));
}

export function float32ToHalf(source: Float32Array, out = new Uint16Array(source.length)): Uint16Array {
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < bits.length; i++) out[i] = float32BitsToHalfBits(bits[i]!);
  return out;
}

/** Round to nearest even on the dropped 16 bits; NaN stays a quiet NaN. */
export function float32ToBfloat16(source: Float32Array, out = new Uint16Array(source.length)): Uint16Array {
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < bits.length; i++) {
    const f = bits[i]!;
    if ((f & 0x7fffffff) > 0x7f800000) out[i] = (f >>> 16) | 0x40;
    else out[i] = (f + 0x7fff + ((f >>> 16) & 1)) >>> 16;
  }
  return out;
}
