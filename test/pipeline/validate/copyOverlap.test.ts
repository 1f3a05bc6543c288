// copy_overlap: lifted sentences and patchwork are caught; a real rewrite is not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCopyOverlap, overlapStats } from '../../../src/pipeline/validate/copyOverlap';
import { defaultValidatorConfig as config } from '../../../src/pipeline/validate/types';
import { abstract, input, paragraphs } from './fixtures';

test('copy_overlap: the rewritten fixture passes', () => {
  const stats = overlapStats(abstract, paragraphs.join('\n\n'), 8);
  assert.ok(stats.longestRun <= config.copy.maxSharedRun, `run ${stats.longestRun}`);
  assert.deepEqual(checkCopyOverlap(input(), config), []);
});

test('copy_overlap: a lifted sentence is reported with its run', () => {
  const lifted = `${paragraphs.join('\n\n')} The ring has a width of 5.6 per cent of its radius and contains a dust mass.`;
  const errors = checkCopyOverlap(input({ explanation: lifted }), config);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'long_shared_run');
  assert.equal(
    errors[0]?.message,
    'Copied from abstract: 18-word run "the ring has a width of 5 6 per cent of its radius and contains a dust mass" (max 12)',
  );
});

test('copy_overlap: the run limit is inclusive', () => {
  const twelve = 'x y ring has a width of 5.6 per cent of its radius z';
  assert.equal(overlapStats(abstract, twelve, 8).longestRun, 12);
  assert.deepEqual(
    checkCopyOverlap(input({ explanation: twelve }), {
      ...config,
      copy: { ...config.copy, maxNgramShare: 1 },
    }),
    [],
  );
});

test('copy_overlap: patchwork of short copied pieces trips the n-gram share', () => {
  // Three 9-word pieces, each well under the run limit, in a 40-word text.
  const patchwork =
    'Stars matter. we detect a narrow ring of dust at 45 au then more. ' +
    'a planet of 0.5 Jupiter masses can carve the observed gap and so on. ' +
    'two other gaps may host further planets ok. The end of it all here now today.';
  const stats = overlapStats(abstract, patchwork, 8);
  assert.ok(stats.longestRun <= 12, `run ${stats.longestRun}`);
  const errors = checkCopyOverlap(input({ explanation: patchwork }), config);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'ngram_share');
  assert.match(
    errors[0]?.message ?? '',
    /^Copied from abstract: \d+\.\d% of 8-word sequences occur in it \(max 10\.0%\)$/,
  );
});

test('copy_overlap: case, punctuation and LaTeX do not hide copying', () => {
  const abs = 'The Dust Ring, at $z\\sim 2$, is narrow and bright in every band we observed today.';
  const ex = 'the dust ring at z 2 is narrow and bright in every band we observed today';
  assert.equal(overlapStats(abs, ex, 8).longestRun, 16);
});

test('copy_overlap: empty or tiny texts have no overlap', () => {
  assert.deepEqual(overlapStats('', '', 8), { longestRun: 0, run: [], ngramShare: 0 });
  assert.equal(overlapStats(abstract, 'ring', 8).ngramShare, 0);
});
