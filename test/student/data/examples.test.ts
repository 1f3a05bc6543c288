// Prefix masking, decode round-trip, train/inference prompt identity, truncation and rejection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildExample,
  buildExamples,
  checkExample,
  type Example,
  IGNORE_INDEX,
  renderPrompt,
  supervisedCount,
} from '../../../src/student/data';
import { EOS_ID } from '../../../src/student/tokenizer';
import { options, row, shippedFormat } from './fixtures';

const ABSTRACT =
  'We present JWST spectra of a z = 6.2 quasar host. The [CII] line shows ordered rotation, ' +
  'implying a dynamical mass of 3 x 10^10 solar masses within 2 kpc.';
const TARGET =
  'Quasars are galaxies whose central black hole accretes gas so fast that it outshines the stars.\n\n' +
  'The [CII] emission line traces cold gas; its Doppler shift maps how that gas moves.';

test('labels are -100 exactly on the prompt; target tokens and EOS are supervised', () => {
  const format = shippedFormat();
  const e = buildExample(format, row(ABSTRACT, TARGET), options);
  const promptIds = format.promptIds(ABSTRACT).ids;
  const targetIds = format.textIds(TARGET);
  assert.equal(e.promptTokens, promptIds.length);
  assert.equal(e.targetTokens, targetIds.length);
  assert.deepEqual([...e.inputIds], [...promptIds, ...targetIds, EOS_ID]);
  assert.deepEqual([...e.labels], [...promptIds.map(() => IGNORE_INDEX), ...targetIds, EOS_ID]);
  assert.equal(supervisedCount(e.labels), targetIds.length + 1);
  assert.equal(e.droppedAbstractTokens, 0);
});

test('superviseEos: false leaves the EOS out: prompt + target, every target token supervised', () => {
  const format = shippedFormat();
  const e = buildExample(format, row(ABSTRACT, TARGET), { ...options, superviseEos: false });
  const promptIds = format.promptIds(ABSTRACT).ids;
  const targetIds = format.textIds(TARGET);
  assert.deepEqual([...e.inputIds], [...promptIds, ...targetIds]);
  assert.deepEqual([...e.labels], [...promptIds.map(() => IGNORE_INDEX), ...targetIds]);
  assert.equal(supervisedCount(e.labels), targetIds.length);
  assert.ok(!e.inputIds.includes(EOS_ID));
});

test('decode(input_ids) is the prompt text + target text + <|endoftext|>', () => {
  const format = shippedFormat();
  const e = buildExample(format, row(`  ${ABSTRACT}\n`, `${TARGET}\n\n`), options);
  const text = format.tokenizer.decode(e.inputIds);
  assert.equal(text, `Abstract:\n${ABSTRACT}\n\nExplanation:\n${TARGET}<|endoftext|>`);
  assert.equal(text, `${renderPrompt(format.template, ABSTRACT)}${TARGET}<|endoftext|>`);
  // The rendered prompt encodes, as one string, to the very ids training uses.
  assert.deepEqual(
    format.tokenizer.encode(renderPrompt(format.template, ABSTRACT)),
    format.promptIds(ABSTRACT).ids,
  );
});

test('training and inference build the same prompt ids, truncated or not', () => {
  const format = shippedFormat();
  const e = buildExample(format, row(ABSTRACT, TARGET), options);
  assert.deepEqual([...e.inputIds.subarray(0, e.promptTokens)], format.promptIds(ABSTRACT).ids);
  const long = Array.from({ length: 60 }, (_, i) => `Sentence ${i} about accretion discs.`).join(' ');
  const cut = buildExample(format, row(long, TARGET), { ...options, maxSeqLen: 200 });
  assert.ok(cut.droppedAbstractTokens > 0);
  const inference = format.promptIds(long, { maxTokens: cut.promptTokens });
  assert.deepEqual([...cut.inputIds.subarray(0, cut.promptTokens)], inference.ids);
  assert.equal(inference.droppedAbstractTokens, cut.droppedAbstractTokens);
});

test('truncation cuts the end of the abstract only: template text and the whole target stay', () => {
  const format = shippedFormat();
  const long = Array.from({ length: 80 }, (_, i) => `Clause ${i} on dust.`).join(' ');
  const maxSeqLen = 256;
  const e = buildExample(format, row(long, TARGET), { ...options, maxSeqLen });
  assert.equal(e.inputIds.length, maxSeqLen, 'filled exactly to maxSeqLen');
  const abstractIds = format.textIds(long);
  const kept = abstractIds.length - e.droppedAbstractTokens;
  assert.ok(kept >= options.minAbstractTokens);
  assert.deepEqual(
    [...e.inputIds.subarray(0, e.promptTokens)],
    [...format.prefixIds, ...abstractIds.slice(0, kept), ...format.suffixIds],
  );
  const text = format.tokenizer.decode(e.inputIds);
  assert.ok(text.startsWith('Abstract:\nClause 0 on dust.'));
  assert.ok(text.endsWith(`\n\nExplanation:\n${TARGET}<|endoftext|>`), 'target and EOS intact');
  assert.equal(supervisedCount(e.labels), format.textIds(TARGET).length + 1);
});

test('a target that cannot fit is rejected with a clear message, or skipped and reported', () => {
  const format = shippedFormat();
  const hugeTarget = 'Star formation proceeds in dense cores. '.repeat(40);
  const r = row(ABSTRACT, hugeTarget, 'too-long');
  assert.throws(
    () => buildExample(format, r, { ...options, maxSeqLen: 128 }),
    (error: Error) =>
      /Row too-long \(line \d+\): the target \(\d+ tokens with EOS\)/.test(error.message) &&
      /exceed maxSeqLen 128; the target is never cut/.test(error.message),
  );
  const fine = row(ABSTRACT, 'Short.', 'fine');
  assert.throws(() => buildExamples(format, [fine, r], { ...options, maxSeqLen: 128 }), /Row too-long/);
  const skipped = buildExamples(format, [fine, r], { ...options, maxSeqLen: 128, onTooLong: 'skip' });
  assert.deepEqual(
    skipped.examples.map((e) => e.id),
    ['fine'],
  );
  assert.equal(skipped.rejected.length, 1);
  assert.equal(skipped.rejected[0]!.id, 'too-long');
  assert.match(skipped.rejected[0]!.reason, /the target is never cut/);
});

test('a short abstract is kept whole or the row rejected: never cut below minAbstractTokens', () => {
  const format = shippedFormat();
  const target = 'word '.repeat(100).trim();
  const targetTokens = format.textIds(target).length;
  const abstract = 'Tiny abstract of a few tokens.';
  const abstractTokens = format.textIds(abstract).length;
  const exact = format.fixedTokens + abstractTokens + targetTokens + 1;
  assert.equal(
    buildExample(format, row(abstract, target), { ...options, maxSeqLen: exact }).inputIds.length,
    exact,
  );
  assert.throws(
    () => buildExample(format, row(abstract, target), { ...options, maxSeqLen: exact - 1 }),
    /never cut/,
  );
});

test('zero supervised tokens is an error, never a silent no-op', () => {
  const format = shippedFormat();
  assert.throws(() => buildExample(format, row(ABSTRACT, '   \n'), options), /target explanation is empty/);
  const e = buildExample(format, row(ABSTRACT, TARGET, 'masked'), options);
  const allMasked: Example = { ...e, labels: new Int32Array(e.labels.length).fill(IGNORE_INDEX) };
  assert.throws(() => checkExample(allMasked), /Example masked: zero supervised tokens/);
  const misaligned: Example = { ...e, labels: e.labels.map((l, i) => (i === e.promptTokens ? l + 1 : l)) };
  assert.throws(() => checkExample(misaligned), /differs from its input id/);
});

test('special-token text in an abstract stays ordinary text, never an EOS', () => {
  const format = shippedFormat();
  const e = buildExample(format, row('A <|endoftext|> marker.', TARGET), options);
  const eosAt = [...e.inputIds].flatMap((id, i) => (id === EOS_ID ? [i] : []));
  assert.deepEqual(eosAt, [e.inputIds.length - 1]);
});

test('a "$&" in an abstract is kept literally in the prompt', () => {
  const format = shippedFormat();
  assert.equal(
    renderPrompt(format.template, 'Flux $&$ ratio'),
    'Abstract:\nFlux $&$ ratio\n\nExplanation:\n',
  );
});
