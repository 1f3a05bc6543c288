// The parsed, file-format-free description of a byte-level BPE tokenizer that loaders produce.

/** Everything needed to build a tokenizer, plus enough provenance to blame the right file line on errors. */
export interface TokenizerSpec {
  /** Token (in GPT-2's byte-to-character spelling) to id. Includes special tokens. */
  readonly vocab: ReadonlyMap<string, number>;
  /** Merge rules, best (lowest rank) first. */
  readonly merges: ReadonlyArray<readonly [string, string]>;
  /** Tokens that `encode(..., { allowSpecial: true })` recognises verbatim in text. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Where the vocab came from, for messages. */
  readonly vocabSource: string;
  /** Where merge `index` came from ("merges.txt line 7"), for messages. */
  readonly describeMerge: (index: number) => string;
}
