/**
 * Seeded random numbers that come out bit-identical on every platform and Node version: xoshiro128** on 32-bit
 * integer ops, and normals by Marsaglia's polar method using only + - * / and sqrt (all correctly rounded by
 * IEEE 754). Math.log/sin/cos are deliberately avoided: the spec lets engines approximate them, so a run seeded
 * the same way could differ in the last bit elsewhere.
 */
import { MiniAstroError } from '../../core/errors';

const TWO_32 = 4294967296;

/** FNV-1a over UTF-16 code units: a stable 32-bit hash to derive one stream per name. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The murmur3 finaliser: spreads every input bit over the output (a bijection on 32-bit integers). */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new MiniAstroError(
      'badInput',
      `seed must be a non-negative integer, got ${seed}`,
      'Pass an integer seed such as 42.',
    );
  }
}

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * `seed` is any safe non-negative integer; `stream` separates independent sequences under one seed (we use a
   * hash of the tensor name, so a tensor's values do not depend on which tensors were drawn before it).
   */
  constructor(seed: number, stream = 0) {
    checkSeed(seed);
    const lo = seed % TWO_32;
    const hi = Math.floor(seed / TWO_32);
    // splitmix32-style expansion of (seed, stream) into the 128-bit state.
    let s = mix32(lo ^ mix32(hi ^ mix32(stream ^ 0x9e3779b9)));
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1; // the one state xoshiro cannot leave
  }

  /** A generator at an explicit state (for checking against the reference implementation's test vectors). */
  static fromState(a: number, b: number, c: number, d: number): Xoshiro128 {
    const rng = new Xoshiro128(0);
    rng.a = a >>> 0;
    rng.b = b >>> 0;
    rng.c = c >>> 0;
    rng.d = d >>> 0;
    return rng;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextU32() / TWO_32;
  }

  /**
   * Bernoulli keep flags: out[i] = 0 (dropped) when the i-th draw u (nextU32) has u / 2^32 < `dropProbability`,
   * else 1: one draw per element, so each element is dropped with probability ceil(p·2^32) / 2^32 (within 2^-32
   * of p), independently. Inlined like fillNormal, on int32 values only: LoRA dropout draws ~10^8 flags a step.
   */
  fillKeepMask(out: Uint8Array, dropProbability: number): void {
    if (!(dropProbability >= 0 && dropProbability < 1)) {
      throw new RangeError(`fillKeepMask: drop probability ${dropProbability} is not in [0, 1)`);
    }
    // u < ceil(p·2^32) ⟺ u / 2^32 < p for integer u (p·2^32 is exact; capped at 2^32 - 1 for p within 2^-32
    // of 1); compared as signed int32 after flipping the top bit of both sides, so no value leaves V8's int32
    // representation (uint32 values above 2^31 would be doubles: 2x slower).
    const threshold = (Math.min(Math.ceil(dropProbability * TWO_32), TWO_32 - 1) - 2147483648) | 0;
    let a = this.a | 0;
    let b = this.b | 0;
    let c = this.c | 0;
    let d = this.d | 0;
    const n = out.length;
    for (let i = 0; i < n; i++) {
      const m = Math.imul(b, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) ^ -2147483648;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      out[i] = r >= threshold ? 1 : 0;
    }
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
  }

  /** Fills `out` with N(0, std²) draws (rounded to float32). */
  fillNormal(out: Float32Array, std: number, mean = 0): void {
    // The generator is inlined on locals: this loop draws 124M values for GPT-2 small, and method calls plus
    // field loads/stores per draw cost about 2x.
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    let i = 0;
    const n = out.length;
    while (i < n) {
      let r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      let t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      // Points strictly inside (-1, 1)^2: (k + 0.5) / 2^31 - 1 never hits an edge or zero exactly.
      const u = (r + 0.5) / 2147483648 - 1;
      r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
      t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      const v = (r + 0.5) / 2147483648 - 1;
      const s = u * u + v * v;
      if (s >= 1) continue;
      const f = Math.sqrt((-2 * logUnit(s)) / s) * std;
      out[i++] = mean + u * f;
      if (i < n) out[i++] = mean + v * f;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * ln(x) for 0 < x < 1 from basic arithmetic only: scale by powers of two (exact) into [sqrt(1/2), sqrt(2)),
 * then ln(m) = 2 atanh((m - 1) / (m + 1)) by its series. |t| <= 0.1716 so nine terms are accurate to ~1e-16,
 * far below float32 resolution; the point is that every platform computes the same bits.
 */
export function logUnit(x: number): number {
  let m = x;
  let e = 0;
  while (m < 0.5) {
    m *= 2;
    e--;
  }
  if (m < Math.SQRT1_2) {
    m *= 2;
    e--;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  const series =
    1 +
    t2 *
      (1 / 3 +
        t2 * (1 / 5 + t2 * (1 / 7 + t2 * (1 / 9 + t2 * (1 / 11 + t2 * (1 / 13 + t2 * (1 / 15 + t2 / 17)))))));
  return e * Math.LN2 + 2 * t * series;
}
