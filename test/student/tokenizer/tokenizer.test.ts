// Hand-picked hard cases: ids equal js-tiktoken's gpt2, decode(encode(x)) === x, and the API's edges.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BYTE_TO_CHAR,
  defaultTokenizer,
  EOS_ID,
  EOS_TOKEN,
  pretokenize,
} from '../../../src/student/tokenizer';
import { tiktokenIds, tiktokenIdsAllowSpecial } from './reference';

const CASES: Record<string, string> = {
  empty: '',
  latex: '$\\sim 10^{5}\\,M_\\odot$',
  latexMore: 'a $z\\gtrsim6$ quasar with $M_{\\rm BH}=10^{9.2\\pm0.3}\\,{\\rm M}_\\odot$ and \\citep{x}',
  angstrom: 'the 1216 Å Lyα line; Ångström; Å (U+212B)',
  accents: 'café naïve résumé Erdős Schrödinger',
  combining: 'e\u0301 a\u0308 n\u0303 \u0301alone',
  emoji: 'stars ✨🌌🔭 and 👩‍🚀 (ZWJ) and 🇪🇺 flags',
  cjk: '银河系 天の川 은하수 mixed中文text',
  greek: 'ΛCDM with Ω_m = 0.31, σ_8, μm',
  tabs: 'a\tb\t\tc\t',
  spaces: 'one  two   three    four',
  trailing: 'trailing spaces   ',
  leading: '   leading spaces',
  crlf: 'line one\r\nline two\r\n\r\nline four\r\n',
  newlines: 'para one.\n\npara two.\n\n\n',
  nbsp: 'NBSP\u00a0here and\u00a0\u00a0twice, narrow\u202fnbsp, thin\u2009space, ideographic\u3000space',
  onlySpace: '     ',
  onlyNewlines: '\n\n\n',
  contractions: "it's they're we've I'm you'll he'd can't DON'T It'S o'clock '' 's",
  smartQuotes: 'it\u2019s \u201cquoted\u201d \u2018single\u2019',
  numbers: '1 12 123 1234 12345 3.14159 -2.5e-10 1,000,000 10^{-3} 2025-05-27 0x1F',
  unicodeDigits: '٣ ⅷ ² ½ 𝟙',
  punctuation: '!!! ??? ... --- ~~~ ### ((())) [[]] {{}} <<>> ||| @@@',
  specialAsText: `before${EOS_TOKEN}after ${EOS_TOKEN} <|endoftext| |>`,
  controls: 'bell\u0007 null\u0000 esc\u001b del\u007f',
  softHyphen: 'astro\u00adphysics',
  bom: '\ufeffstarts with a BOM',
  zeroWidth: 'zero\u200bwidth\u200cjoin\u200d',
  rtl: 'مجرة and גלקסיה',
  longWord: 'Supercalifragilisticexpialidocious'.repeat(20),
  longDigits: '31415926535897932384626433832795028841971693993751'.repeat(10),
  longRun: `${'='.repeat(500)}\n${'-'.repeat(300)}`,
  surrogatePairs: '𝔸𝕓𝕔 𐍈',
};

for (const [name, text] of Object.entries(CASES)) {
  test(`edge case "${name}": ids equal js-tiktoken and decode round-trips`, () => {
    const tok = defaultTokenizer();
    const ids = tok.encode(text);
    assert.deepEqual(ids, tiktokenIds(text));
    assert.equal(tok.decode(ids), text);
    assert.equal(pretokenize(text).join(''), text, 'pre-tokens must tile the text');
  });
}

test('empty string encodes to no ids and decodes from none', () => {
  const tok = defaultTokenizer();
  assert.deepEqual(tok.encode(''), []);
  assert.equal(tok.decode([]), '');
});

test('known GPT-2 ids (pinned independently of js-tiktoken)', () => {
  const tok = defaultTokenizer();
  assert.deepEqual(tok.encode('Hello world'), [15496, 995]);
  assert.deepEqual(tok.encode(' the'), [262]);
  assert.equal(tok.tokenToId('Ġthe'), 262);
  assert.equal(tok.idToToken(262), 'Ġthe');
  assert.equal(tok.idToToken(198), 'Ċ');
  assert.equal(tok.decodeToken(198), '\n');
  assert.equal(tok.tokenToId('no such token'), undefined);
  assert.equal(tok.idToToken(50257), undefined);
});

test('EOS is 50256; <|endoftext|> is plain text unless allowSpecial', () => {
  const tok = defaultTokenizer();
  assert.equal(EOS_ID, 50256);
  assert.equal(tok.eosId, EOS_ID);
  assert.equal(tok.vocabSize, 50257);
  assert.equal(tok.tokenToId(EOS_TOKEN), EOS_ID);
  assert.deepEqual([...tok.specialTokens], [[EOS_TOKEN, EOS_ID]]);
  assert.ok(!tok.encode(EOS_TOKEN).includes(EOS_ID));
  assert.deepEqual(tok.encode(EOS_TOKEN, { allowSpecial: true }), [EOS_ID]);
  for (const text of [
    CASES['specialAsText']!,
    `${EOS_TOKEN}${EOS_TOKEN}`,
    `a${EOS_TOKEN}`,
    `${EOS_TOKEN} b`,
    'none',
  ]) {
    const ids = tok.encode(text, { allowSpecial: true });
    assert.deepEqual(ids, tiktokenIdsAllowSpecial(text), JSON.stringify(text));
    assert.equal(tok.decode(ids), text, 'decoding 50256 gives back the literal marker');
  }
  assert.equal(tok.decodeToken(EOS_ID), EOS_TOKEN);
});

test('lone surrogates encode like js-tiktoken (as U+FFFD), so they alone do not round-trip', () => {
  const tok = defaultTokenizer();
  for (const text of ['\ud800', 'a\udc00b', 'x\ud83d']) {
    assert.deepEqual(tok.encode(text), tiktokenIds(text));
    assert.equal(tok.decode(tok.encode(text)), text.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
});

test('decode replaces invalid UTF-8 with U+FFFD per maximal subpart, as HF does', () => {
  const tok = defaultTokenizer();
  // Single-byte tokens looked up through GPT-2's byte table, so the test states bytes, not vocab ids.
  const byteId = (b: number) => tok.tokenToId(BYTE_TO_CHAR[b]!)!;
  const dec = (...bytes: number[]) => tok.decode(bytes.map(byteId));
  assert.equal(dec(0xf0, 0x9f, 0x61), '\ufffda', 'truncated 4-byte sequence is one U+FFFD');
  assert.equal(dec(0xc0, 0x80), '\ufffd\ufffd', 'overlong lead byte and stray continuation');
  assert.equal(dec(0xed, 0xa0, 0x80), '\ufffd\ufffd\ufffd', 'UTF-8-encoded surrogate');
  assert.equal(dec(0xe2, 0x9c, 0xa8), '✨');
  // Streaming: a character split across tokens is garbage alone, whole when decoded together.
  const ids = tok.encode('🔭');
  assert.ok(ids.length > 1);
  assert.equal(tok.decodeToken(ids[0]!), '\ufffd');
  assert.equal(tok.decode(ids), '🔭');
  assert.deepEqual([...tok.decodeBytes(ids)], [...Buffer.from('🔭')]);
});

test('decode of an id outside the vocabulary throws RangeError naming it', () => {
  const tok = defaultTokenizer();
  assert.throws(() => tok.decode([50257]), { name: 'RangeError', message: /50257/ });
  assert.throws(() => tok.decode([-1]), RangeError);
  assert.throws(() => tok.decodeToken(1.5), RangeError);
});

test('accepts typed arrays; tokenBytes returns a copy', () => {
  const tok = defaultTokenizer();
  const ids = tok.encode('typed arrays');
  assert.equal(tok.decode(Int32Array.from(ids)), 'typed arrays');
  const bytes = tok.tokenBytes(ids[0]!);
  bytes[0] = 0;
  assert.equal(tok.decode(ids), 'typed arrays');
});

test('defaultTokenizer is loaded once and shared', () => {
  assert.equal(defaultTokenizer(), defaultTokenizer());
});

test('pretokenize splits like GPT-2', () => {
  assert.deepEqual(pretokenize("Hello, world! It's  2025.\n\n"), [
    'Hello',
    ',',
    ' world',
    '!',
    ' It',
    "'s",
    ' ',
    ' 2025',
    '.',
    '\n\n',
  ]);
});
