/**
 * Design goal: an export folder's tokenizer in every form the ecosystem reads, all written from the one
 * TokenizerSpec the model was trained with: `tokenizer.json` (Hugging Face tokenizers' byte-level BPE: what
 * transformers.js and AutoTokenizer's fast path load), `tokenizer_config.json` and `special_tokens_map.json`
 * (GPT2Tokenizer, `<|endoftext|>` as bos/eos/unk, no BOS added — GPT-2's own settings), and `vocab.json` +
 * `merges.txt` (the slow tokenizer's files, which this project also reads).
 */
import { EOS_TOKEN, type TokenizerSpec } from '../tokenizer';

export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
] as const;

/** The files' contents by name. */
export function hfTokenizerFiles(spec: TokenizerSpec, modelMaxLength: number): Map<string, string> {
  const vocab = Object.fromEntries([...spec.vocab].sort((a, b) => a[1] - b[1]));
  const eosId = spec.specialTokens.get(EOS_TOKEN) ?? spec.vocab.get(EOS_TOKEN);
  const addedToken = (content: string, id: number) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  const special = [...spec.specialTokens].sort((a, b) => a[1] - b[1]);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map(([content, id]) => addedToken(content, id)),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      // "left right" strings: GPT-2's tokens never hold a space (it is spelled Ġ), and every reader takes them.
      merges: spec.merges.map(([l, r]) => `${l} ${r}`),
    },
  };
  const eos = eosId === undefined ? null : EOS_TOKEN;
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      special.map(([content, id]) => [String(id), addedToken(content, id)]),
    ),
    bos_token: eos,
    clean_up_tokenization_spaces: false,
    eos_token: eos,
    errors: 'replace',
    model_max_length: modelMaxLength,
    pad_token: null,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: eos,
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return new Map([
    ['tokenizer.json', `${JSON.stringify(tokenizerJson)}\n`],
    ['tokenizer_config.json', json(tokenizerConfig)],
    ['special_tokens_map.json', json({ bos_token: eos, eos_token: eos, unk_token: eos })],
    ['vocab.json', `${JSON.stringify(vocab)}\n`],
    ['merges.txt', `#version: 0.2\n${spec.merges.map(([l, r]) => `${l} ${r}`).join('\n')}\n`],
  ]);
}
