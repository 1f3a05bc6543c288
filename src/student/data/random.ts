/**
 * A small seeded PRNG for data order. Integer arithmetic only (Math.imul, >>>), so a seed gives the same order on
 * every platform and Node version — unlike Math.random, which cannot be seeded. Quality needs are modest
 * (shuffling a few thousand indices), so mulberry32 suffices; streams for (seed, epoch, purpose) are separated by
 * hashing the three together rather than by advancing one generator, so epoch k's order never depends on how
 * much randomness earlier epochs used.
 */

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
function mix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit seed for one stream, from any number of non-negative integer parts. */
export function streamSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Both halves, so seeds above 2^32 do not collide with their low bits.
    h = mix32(h ^ mix32(p >>> 0));
    h = mix32(h ^ mix32(Math.floor(p / 0x1_0000_0000) >>> 0));
  }
  return h;
}

/** mulberry32: returns a function giving uniform floats in [0, 1) with 32 random bits each. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** Fisher–Yates in place. rand() * (i + 1) is exact in a double, so floor gives the same index everywhere. */
export function shuffleInPlace<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
