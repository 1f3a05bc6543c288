// The fast heap merge must reproduce GPT-2's reference loop, stay near-linear, and keep its cache bounded.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  BYTE_TO_CHAR,
  CHAR_TO_BYTE,
  defaultTokenizer,
  mergeWord,
  PieceEncoder,
  parseMergesText,
  shippedGpt2Files,
} from '../../../src/student/tokenizer';
import { type MergeTable, pairKey } from '../../../src/student/tokenizer/bpe';
import { bytesToTokenString, tokenStringToBytes } from '../../../src/student/tokenizer/byteMap';
import { referenceBpe, tiktokenIds } from './reference';

test('byte table is GPT-2 bytes_to_unicode: a bijection, printable bytes kept, space is Ġ, newline is Ċ', () => {
  assert.equal(BYTE_TO_CHAR.length, 256);
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[0x20], 'Ġ');
  assert.equal(BYTE_TO_CHAR[0x0a], 'Ċ');
  assert.equal(BYTE_TO_CHAR[0x00], '\u0100');
  assert.equal(BYTE_TO_CHAR[0xa0], 'ł'); // NBSP, the last of the shifted bytes below 0xAD
  assert.equal(BYTE_TO_CHAR[0xad], 'Ń'); // soft hyphen
  assert.equal(BYTE_TO_CHAR[0x41], 'A');
  assert.equal(BYTE_TO_CHAR[0xe9], 'é');
  for (let b = 0; b < 256; b++) assert.equal(CHAR_TO_BYTE.get(BYTE_TO_CHAR[b]!), b);
  const all = Uint8Array.from({ length: 256 }, (_, b) => b);
  assert.deepEqual(tokenStringToBytes(bytesToTokenString(all)), all);
});

/** A random merges list built like BPE training: each merge joins two existing tokens into a new one. */
function randomMerges(seed: number, alphabet: string[], count: number): [string, string][] {
  let s = seed;
  const rand = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const tokens = [...alphabet];
  const merges: [string, string][] = [];
  const made = new Set(tokens);
  for (let tries = 0; merges.length < count && tries < count * 20; tries++) {
    // Favour recent tokens so long tokens (and chains of merges) appear.
    const pick = () => tokens[tokens.length - 1 - rand(Math.min(tokens.length, 1 + rand(tokens.length)))]!;
    const l = pick();
    const r = pick();
    if (made.has(l + r)) continue;
    made.add(l + r);
    tokens.push(l + r);
    merges.push([l, r]);
  }
  return merges;
}

function tableFor(alphabet: string[], merges: [string, string][]) {
  const ids = new Map<string, number>(alphabet.map((a, i) => [a, i]));
  for (const [l, r] of merges) ids.set(l + r, ids.size);
  const ranks = new Map<number, number>();
  const results = new Int32Array(merges.length);
  merges.forEach(([l, r], rank) => {
    ranks.set(pairKey(ids.get(l)!, ids.get(r)!), rank);
    results[rank] = ids.get(l + r)!;
  });
  const names = [...ids.keys()];
  const table: MergeTable = { ranks, results };
  const stringRanks = new Map(merges.map(([l, r], i) => [`${l} ${r}`, i]));
  return { ids, names, table, stringRanks };
}

test('heap merge equals GPT-2 reference bpe() on random well-formed merges and words', () => {
  const alphabet = ['a', 'b', 'c', 'd'];
  for (let seed = 1; seed <= 20; seed++) {
    const merges = randomMerges(seed, alphabet, 60);
    const { ids, names, table, stringRanks } = tableFor(alphabet, merges);
    let s = seed;
    for (let w = 0; w < 200; w++) {
      s = (s * 48271) % 2147483647;
      const len = 1 + (s % 40);
      const word = Array.from({ length: len }, (_, k) => alphabet[(s >> (k % 24)) & 3]!);
      const got = mergeWord(
        word.map((c) => ids.get(c)!),
        table,
      ).map((id) => names[id]);
      assert.deepEqual(got, referenceBpe(word, stringRanks), `seed ${seed} word ${word.join('')}`);
    }
    // Runs of one symbol exercise overlapping pairs ("aaa": only the left pair merges first).
    for (let len = 1; len <= 33; len++) {
      const word = Array<string>(len).fill('a');
      const got = mergeWord(
        word.map((c) => ids.get(c)!),
        table,
      ).map((id) => names[id]);
      assert.deepEqual(got, referenceBpe(word, stringRanks), `seed ${seed} a*${len}`);
    }
  }
});

test("GPT-2's merges file meets the heap merge's precondition: parts come from earlier merges", () => {
  // This is what makes (rank, position) heap order identical to the reference loop on GPT-2's file.
  const { merges } = parseMergesText('vocab.bpe', readFileSync(shippedGpt2Files().merges, 'utf8'));
  assert.equal(merges.length, 50_000);
  const madeAt = new Map<string, number>();
  merges.forEach(([l, r], rank) => {
    assert.ok(!madeAt.has(l + r), `token ${l + r} made twice`);
    madeAt.set(l + r, rank);
  });
  merges.forEach(([l, r], rank) => {
    for (const part of [l, r]) {
      const at = madeAt.get(part);
      assert.ok(
        at === undefined ? [...part].length === 1 : at < rank,
        `merge ${rank} uses ${part} too early`,
      );
    }
  });
});

test('long words merge in near-linear time (no quadratic rescans) and match js-tiktoken', () => {
  const tok = defaultTokenizer();
  // Moderate sizes are still cheap for js-tiktoken's quadratic loop, so compare ids there.
  for (const text of ['ab'.repeat(1000), '9'.repeat(2000), 'x'.repeat(3001), `${'ä'.repeat(700)}z`]) {
    assert.deepEqual(tok.encode(text), tiktokenIds(text));
  }
  const huge = 'abcdefghij'.repeat(20_000); // one 200 kB pre-token
  const start = performance.now();
  const ids = tok.encode(huge);
  const ms = performance.now() - start;
  assert.equal(tok.decode(ids), huge);
  assert.ok(ms < 2000, `200 kB word took ${ms} ms`);
  const spaces = `${' '.repeat(100_000)}x`;
  assert.equal(tok.decode(tok.encode(spaces)), spaces);
});

test('word cache is bounded (FIFO) and skips very long pieces', () => {
  const { table, ids } = tableFor(['a', 'b'], [['a', 'b']]);
  const byteIds = new Int32Array(256).fill(ids.get('a')!);
  const enc = new PieceEncoder(byteIds, table, 3, 8);
  const out: number[] = [];
  for (const p of ['a', 'aa', 'aaa', 'aaaa', 'aaaaa']) enc.encodeInto(p, out);
  assert.equal(enc.cacheSize, 3);
  enc.encodeInto('a'.repeat(9), out);
  assert.equal(enc.cacheSize, 3, 'pieces over maxCachedPieceLength are not cached');
  assert.equal(out.length, 1 + 2 + 3 + 4 + 5 + 9);
  enc.clearCache();
  assert.equal(enc.cacheSize, 0);
  const off = new PieceEncoder(byteIds, table, 0);
  off.encodeInto('aa', out);
  assert.equal(off.cacheSize, 0);
});

test('cache hits return the same ids as misses and cannot be corrupted by callers', () => {
  const tok = defaultTokenizer();
  const first = tok.encode(' galaxies galaxies');
  first[0] = -1;
  assert.deepEqual(tok.encode(' galaxies galaxies'), tiktokenIds(' galaxies galaxies'));
});
