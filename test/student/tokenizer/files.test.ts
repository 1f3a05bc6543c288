// Loading: every accepted file layout gives GPT-2's ids, and every damaged file fails naming file and fault.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { isMiniAstroError } from '../../../src/core/errors';
import { defaultTokenizer, EOS_ID, loadTokenizer, shippedGpt2Files } from '../../../src/student/tokenizer';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'miniastro-tokenizer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const shipped = shippedGpt2Files();
const vocabObject = JSON.parse(readFileSync(shipped.vocab, 'utf8')) as Record<string, number>;
const mergesText = readFileSync(shipped.merges, 'utf8');
const mergeLines = mergesText.split('\n').slice(1, -1);

const SAMPLE = [
  'We present JWST/NIRSpec spectra of a $z\\simeq7.3$ galaxy with [O III]\u03bb5007 and H\u03b1.',
  "It's a 10^{5}\\,M_\\odot black hole; the \u00c5ngstr\u00f6m-scale line at 1216 \u00c5 \u2014 caf\u00e9 \ud83d\ude80 \u9280\u6cb3.",
  'tabs\tand  double  spaces   \r\n\r\nand\u00a0NBSP <|endoftext|> end ',
  '',
];

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

/** A tokenizer.json as HF tokenizers writes GPT-2's, converted from the shipped vocab/merges. */
function tokenizerJson(
  mergesFormat: 'strings' | 'pairs',
  edit?: (root: Record<string, unknown>) => void,
): string {
  const root: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: EOS_ID,
        content: '<|endoftext|>',
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: vocabObject,
      merges: mergesFormat === 'strings' ? mergeLines : mergeLines.map((l) => l.split(' ')),
    },
  };
  edit?.(root);
  return JSON.stringify(root);
}

function assertSameAsDefault(tok: ReturnType<typeof loadTokenizer>): void {
  const ref = defaultTokenizer();
  assert.equal(tok.vocabSize, ref.vocabSize);
  assert.equal(tok.eosId, EOS_ID);
  for (const text of SAMPLE) {
    assert.deepEqual(tok.encode(text), ref.encode(text), JSON.stringify(text));
    assert.deepEqual(tok.encode(text, { allowSpecial: true }), ref.encode(text, { allowSpecial: true }));
    assert.equal(tok.decode(tok.encode(text)), text);
  }
}

test('tokenizer.json with "a b" string merges gives identical ids (folder, file and explicit path)', () => {
  const dir = folder('hf-strings', { 'tokenizer.json': tokenizerJson('strings') });
  assertSameAsDefault(loadTokenizer(dir));
  assertSameAsDefault(loadTokenizer(path.join(dir, 'tokenizer.json')));
  assertSameAsDefault(loadTokenizer({ tokenizerJson: path.join(dir, 'tokenizer.json') }));
});

test('tokenizer.json with ["a", "b"] pair merges gives identical ids', () => {
  const dir = folder('hf-pairs', { 'tokenizer.json': tokenizerJson('pairs') });
  const tok = loadTokenizer(dir);
  assertSameAsDefault(tok);
  assert.deepEqual([...tok.specialTokens], [['<|endoftext|>', EOS_ID]]);
});

test('vocab.json + merges.txt folder, CRLF merges and explicit paths all load', () => {
  const dir = folder('hf-slow', {
    'vocab.json': JSON.stringify(vocabObject),
    'merges.txt': mergesText,
  });
  assertSameAsDefault(loadTokenizer(dir));
  const crlf = folder('crlf', {
    'encoder.json': JSON.stringify(vocabObject),
    'vocab.bpe': mergesText.replace(/\n/g, '\r\n'),
  });
  assertSameAsDefault(loadTokenizer(crlf));
  const noHeader = folder('no-header', {
    'vocab.json': JSON.stringify(vocabObject),
    'merges.txt': `${mergeLines.join('\n')}`,
  });
  assertSameAsDefault(loadTokenizer(noHeader));
  assertSameAsDefault(loadTokenizer(shipped));
});

test('a folder with tokenizer.json and vocab/merges prefers tokenizer.json', () => {
  const dir = path.join(tmp, 'both');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'tokenizer.json'), tokenizerJson('pairs'));
  writeFileSync(path.join(dir, 'vocab.json'), '{ broken');
  copyFileSync(shipped.merges, path.join(dir, 'merges.txt'));
  assertSameAsDefault(loadTokenizer(dir));
});

/** Every damaged input must be a badInput MiniAstroError that names the file and the fault. */
function assertBad(load: () => unknown, file: string, fault: RegExp): void {
  assert.throws(load, (error: unknown) => {
    assert.ok(isMiniAstroError(error), `expected MiniAstroError, got ${String(error)}`);
    assert.equal(error.kind, 'badInput');
    assert.ok(error.message.includes(file), `message should name ${file}: ${error.message}`);
    assert.match(error.message, fault);
    assert.ok(error.hint.length > 0);
    return true;
  });
}

function withVocab(edit: (v: Record<string, unknown>) => void): string {
  const v: Record<string, unknown> = { ...vocabObject };
  edit(v);
  return JSON.stringify(v);
}

const goodVocab = JSON.stringify(vocabObject);

const BAD_PAIRS: [string, string, string, RegExp][] = [
  ['truncated vocab', goodVocab.slice(0, 5000), mergesText, /not valid JSON/],
  ['vocab array', '["a", "b"]', mergesText, /JSON object/],
  ['empty vocab', '{}', mergesText, /empty/],
  ['string id', withVocab((v) => (v['Ġthe'] = '262')), mergesText, /"Ġthe" has id "262"/],
  ['negative id', withVocab((v) => (v['Ġthe'] = -3)), mergesText, /non-negative integer/],
  ['duplicate id', withVocab((v) => (v['Ġthe'] = 0)), mergesText, /id 0 is used by both/],
  ['missing byte', withVocab((v) => delete v['Ċ']), mergesText, /no token for byte 0x0a/],
  ['missing eos', withVocab((v) => delete v['<|endoftext|>']), mergesText, /no <\|endoftext\|> token/],
  ['three parts', goodVocab, mergesText.replace('Ġ t\n', 'Ġ t x\n'), /line 2: expected two tokens/],
  [
    'cut mid-line',
    goodVocab,
    mergesText.slice(0, mergesText.indexOf('\n', 5000)) + '\nĠt',
    /line \d+: expected two/,
  ],
  ['blank line', goodVocab, mergesText.replace('Ġ a\n', '\n'), /line 3: expected two tokens/],
  ['empty merges', goodVocab, '#version: 0.2\n', /no merges/],
  ['unknown part', goodVocab, mergesText.replace('Ġ a\n', 'Ġ zzzunknown\n'), /line 3: merge "Ġ zzzunknown"/],
];

for (const [name, vocab, merges, fault] of BAD_PAIRS) {
  test(`damaged vocab/merges (${name}) fails with a clear badInput error`, () => {
    const dir = folder(`bad-${name.replace(/\W/g, '-')}`, { 'vocab.json': vocab, 'merges.txt': merges });
    const blamed = /merge|line|expected two/.test(fault.source) ? 'merges.txt' : 'vocab.json';
    assertBad(() => loadTokenizer(dir), path.join(dir, blamed), fault);
  });
}

const BAD_JSON: [string, string, RegExp][] = [
  ['not JSON', '{"model": ', /not valid JSON/],
  ['no model', '{"version": "1.0"}', /no "model" object/],
  [
    'WordPiece',
    tokenizerJson('strings', (r) => ((r['model'] as Record<string, unknown>)['type'] = 'WordPiece')),
    /model.type is "WordPiece"/,
  ],
  ['normalizer', tokenizerJson('strings', (r) => (r['normalizer'] = { type: 'NFC' })), /normalizer/],
  [
    'metaspace',
    tokenizerJson('strings', (r) => (r['pre_tokenizer'] = { type: 'Metaspace' })),
    /pre_tokenizer is/,
  ],
  [
    'prefix space',
    tokenizerJson('strings', (r) => (r['pre_tokenizer'] = { type: 'ByteLevel', add_prefix_space: true })),
    /add_prefix_space/,
  ],
  [
    'merges object',
    tokenizerJson('strings', (r) => ((r['model'] as Record<string, unknown>)['merges'] = {})),
    /model.merges must be an array/,
  ],
  [
    'bad merge entry',
    tokenizerJson('pairs', (r) => ((r['model'] as { merges: unknown[] }).merges[3] = [1, 2])),
    /model.merges\[3\] is \[1,2\]/,
  ],
  [
    'unknown merge token',
    tokenizerJson('pairs', (r) => ((r['model'] as { merges: unknown[] }).merges[7] = ['Ġ', 'zzzunknown'])),
    /model.merges\[7\]: merge "Ġ zzzunknown" uses "zzzunknown"/,
  ],
  [
    'conflicting added token',
    tokenizerJson('strings', (r) => ((r['added_tokens'] as { id: number }[])[0]!.id = 7)),
    /added_tokens\[0\] gives "<\|endoftext\|>" id 7, but model.vocab says 50256/,
  ],
];

for (const [name, text, fault] of BAD_JSON) {
  test(`damaged tokenizer.json (${name}) fails with a clear badInput error`, () => {
    const dir = folder(`bad-json-${name.replace(/\W/g, '-')}`, { 'tokenizer.json': text });
    assertBad(() => loadTokenizer(dir), path.join(dir, 'tokenizer.json'), fault);
  });
}

test('missing folder, or a folder without tokenizer files, is a badInput naming what was looked for', () => {
  const missing = path.join(tmp, 'does-not-exist');
  assertBad(() => loadTokenizer(missing), missing, /cannot open tokenizer folder/);
  const empty = folder('empty', {});
  assertBad(
    () => loadTokenizer(empty),
    empty,
    /missing vocab.json or encoder.json and merges.txt or vocab.bpe/,
  );
  const half = folder('half', { 'vocab.json': goodVocab });
  assertBad(() => loadTokenizer(half), half, /missing merges.txt or vocab.bpe \(or tokenizer.json\)/);
  const gone = path.join(tmp, 'gone.txt');
  assertBad(() => loadTokenizer({ vocab: shipped.vocab, merges: gone }), gone, /cannot read tokenizer file/);
});
