// The GPT-2 tokenizer object: text <-> ids with GPT-2's exact ids, built once from a validated spec.

import { MiniAstroError } from '../../core/errors';
import { MAX_MERGES, MAX_TOKEN_ID, type MergeTable, PieceEncoder, pairKey } from './bpe';
import { BYTE_TO_CHAR, tokenStringToBytes } from './byteMap';
import { EOS_TOKEN } from './files';
import { pretokenize } from './pretokenize';
import type { TokenizerSpec } from './spec';

/** GPT-2's end-of-text id, also its only special token. */
export const EOS_ID = 50256;

export interface EncodeOptions {
  /**
   * When true, special tokens written in the text (`<|endoftext|>`) become their single id. Default false:
   * they are encoded as the ordinary characters they are, so text from a paper can never smuggle in an
   * end-of-sequence. (tiktoken instead throws by default; HF always maps them. Neither suits untrusted text.)
   */
  readonly allowSpecial?: boolean;
}

export interface TokenizerOptions {
  /** Max distinct pre-tokens remembered; 0 disables the cache. */
  readonly cacheSize?: number;
}

// fatal: false replaces each maximal invalid subsequence with one U+FFFD, the same rule as Rust's
// from_utf8_lossy that HF decoders use. ignoreBOM keeps a leading U+FEFF the text actually contained.
const UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

const HINT_PAIR =
  'The vocabulary and merges files do not belong together or are damaged; use a matching pair.';
const HINT_VOCAB =
  "Use GPT-2's own vocab.json/encoder.json (50257 tokens), or omit the path for the bundled copy.";

function bad(where: string, what: string, hint = HINT_PAIR): MiniAstroError {
  return new MiniAstroError('badInput', `${where}: ${what}`, hint);
}

export class Gpt2Tokenizer {
  /** One more than the largest id: the size an embedding table needs. */
  readonly vocabSize: number;
  /** Id of `<|endoftext|>`: EOS_ID for GPT-2's own files. */
  readonly eosId: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly tokenToIdMap: ReadonlyMap<string, number>;
  private readonly idToTokenTable: (string | undefined)[];
  private readonly idToBytes: (Uint8Array | undefined)[];
  private readonly pieces: PieceEncoder;
  private readonly specialSplitter: RegExp | undefined;

  constructor(spec: TokenizerSpec, options: TokenizerOptions = {}) {
    const { vocab } = spec;
    let maxId = -1;
    for (const [token, id] of vocab) {
      // Specs built in code skip the file checks, so ids are re-checked here.
      if (!Number.isSafeInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
        throw bad(spec.vocabSource, `token ${JSON.stringify(token)} has invalid id ${id}`, HINT_VOCAB);
      }
      if (id > maxId) maxId = id;
    }
    this.vocabSize = maxId + 1;
    // Copies: the spec's maps belong to the caller, and a later edit there must not desync our tables.
    this.tokenToIdMap = new Map(vocab);
    this.idToTokenTable = new Array<string | undefined>(this.vocabSize).fill(undefined);
    this.idToBytes = new Array<Uint8Array | undefined>(this.vocabSize).fill(undefined);
    for (const [token, id] of vocab) this.idToTokenTable[id] = token;

    // Byte-level BPE can encode any text only if every single byte has a token.
    const byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const ch = BYTE_TO_CHAR[b]!;
      const id = vocab.get(ch);
      if (id === undefined) {
        throw bad(
          spec.vocabSource,
          `has no token for byte 0x${b.toString(16).padStart(2, '0')} (${JSON.stringify(ch)}); ` +
            'not a GPT-2 byte-level vocabulary',
          HINT_VOCAB,
        );
      }
      byteIds[b] = id;
    }

    const eos = vocab.get(EOS_TOKEN);
    if (eos === undefined) throw bad(spec.vocabSource, `has no ${EOS_TOKEN} token`, HINT_VOCAB);
    this.eosId = eos;
    this.specialTokens = new Map(spec.specialTokens);

    this.pieces = new PieceEncoder(byteIds, buildMergeTable(spec), options.cacheSize);
    const specials = [...spec.specialTokens.keys()].sort((a, b) => b.length - a.length);
    this.specialSplitter =
      specials.length === 0
        ? undefined
        : new RegExp(specials.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  }

  /** GPT-2 ids of `text`. See EncodeOptions for how `<|endoftext|>` in the text is treated. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (!options.allowSpecial || this.specialSplitter === undefined) {
      this.encodeOrdinary(text, out);
      return out;
    }
    let start = 0;
    for (const m of text.matchAll(this.specialSplitter)) {
      this.encodeOrdinary(text.slice(start, m.index), out);
      out.push(this.specialTokens.get(m[0])!);
      start = m.index + m[0].length;
    }
    this.encodeOrdinary(text.slice(start), out);
    return out;
  }

  /** Number of tokens `encode` would return. */
  countTokens(text: string, options?: EncodeOptions): number {
    return this.encode(text, options).length;
  }

  /** The bytes that `ids` spell, concatenated. Useful for streaming, where a character can straddle tokens. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let k = 0; k < ids.length; k++) {
      const bytes = this.bytesOf(ids[k]!);
      parts.push(bytes);
      length += bytes.length;
    }
    const out = new Uint8Array(length);
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }

  /** Text of `ids`; byte sequences that are not valid UTF-8 become U+FFFD, as HF's decode does. */
  decode(ids: ArrayLike<number>): string {
    return UTF8.decode(this.decodeBytes(ids));
  }

  /** Text of one token on its own (a token holding part of a multi-byte character decodes to U+FFFD). */
  decodeToken(id: number): string {
    return UTF8.decode(this.bytesOf(id));
  }

  /** A copy of the bytes token `id` stands for. */
  tokenBytes(id: number): Uint8Array {
    return this.bytesOf(id).slice();
  }

  /** Id of a token in vocab spelling ("Ġthe" for " the"), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.tokenToIdMap.get(token);
  }

  /** Vocab spelling of `id`, or undefined for an id the vocab does not use. */
  idToToken(id: number): string | undefined {
    return this.idToTokenTable[id];
  }

  private bytesOf(id: number): Uint8Array {
    const cached = this.idToBytes[id];
    if (cached !== undefined) return cached;
    const token = Number.isInteger(id) ? this.idToTokenTable[id] : undefined;
    // An unknown id is a bug in the caller (e.g. a model head wider than the vocab), not bad user input.
    if (token === undefined) {
      throw new RangeError(`token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    }
    // Filled on first use: most of the 50k tokens are never decoded in a run, so loading does less.
    const bytes = tokenStringToBytes(token);
    this.idToBytes[id] = bytes;
    return bytes;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    if (text.length === 0) return;
    for (const piece of pretokenize(text)) this.pieces.encodeInto(piece, out);
  }
}

function buildMergeTable(spec: TokenizerSpec): MergeTable {
  const { vocab, merges } = spec;
  if (merges.length > MAX_MERGES) {
    throw bad(spec.describeMerge(MAX_MERGES), `more than ${MAX_MERGES} merges; not a GPT-2-sized tokenizer`);
  }
  const ranks = new Map<number, number>();
  const results = new Int32Array(merges.length);
  for (let rank = 0; rank < merges.length; rank++) {
    const [left, right] = merges[rank]!;
    const joined = left + right;
    const l = vocab.get(left);
    const r = vocab.get(right);
    const m = vocab.get(joined);
    if (l === undefined || r === undefined || m === undefined) {
      const missing = l === undefined ? left : r === undefined ? right : joined;
      throw bad(
        spec.describeMerge(rank),
        `merge "${left} ${right}" uses ${JSON.stringify(missing)}, which is not in ${spec.vocabSource}`,
      );
    }
    // A repeated pair keeps its last rank, as GPT-2's dict(zip(merges, range)) and HF's HashMap do.
    ranks.set(pairKey(l, r), rank);
    results[rank] = m;
  }
  return { ranks, results };
}
