// validateExplanation: all rules run, and byRule reports each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultValidatorConfig, ruleNames } from '../../../src/pipeline/validate/types';
import { validateExplanation } from '../../../src/pipeline/validate/validate';
import { input, paragraphs } from './fixtures';

test('validateExplanation: a row meeting the contract passes every rule', () => {
  const result = validateExplanation(input());
  assert.deepEqual(result, {
    ok: true,
    errors: [],
    byRule: Object.fromEntries(ruleNames.map((r) => [r, true])),
  });
});

test('validateExplanation: every rule runs, and byRule says which failed', () => {
  const bad = `We present ${paragraphs.slice(0, 2).join(' ')} at 7 kpc.\n\n**Mechanism**: ${paragraphs[2]}`;
  const result = validateExplanation(input({ id: '2501.09999', explanation: bad }));
  assert.equal(result.ok, false);
  assert.deepEqual(result.byRule, {
    id_match: false,
    word_range: false,
    paragraphs: false,
    format: false,
    banned_phrases: false,
    copy_overlap: true,
    new_numbers: false,
  });
  assert.deepEqual(
    result.errors.map((e) => e.rule),
    ['id_match', 'word_range', 'paragraphs', 'format', 'banned_phrases', 'new_numbers'],
  );
  assert.ok(result.errors.every((e) => e.message.length > 0 && e.code.length > 0));
});

test('validateExplanation: disabled rules do not run and count as passing', () => {
  const result = validateExplanation(input({ id: 'other' }), {
    ...defaultValidatorConfig,
    disabled: ['id_match'],
  });
  assert.equal(result.ok, true);
  assert.equal(result.byRule.id_match, true);
});
