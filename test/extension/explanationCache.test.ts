// The hover's cache: keyed by abstract text (whitespace-insensitive), model identity and generation settings;
// least recently used entries leave first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExplainResult } from '../../src/engine/protocol';
import { ExplanationCache, explanationKey } from '../../src/extension/explanationCache';

const result = (explanation: string) => ({ explanation }) as ExplainResult;
const student = { model: 'student:/runs/a#0', generation: '{"maxNewTokens":null}' };

test('the key changes with the model, the generation settings and the text, not with line breaks', () => {
  const base = explanationKey('A  disc\nof dust.', student);
  assert.equal(explanationKey('A disc of dust.', student), base);
  assert.notEqual(explanationKey('A disc of gas.', student), base);
  assert.notEqual(explanationKey('A disc of dust.', { ...student, model: 'student:/runs/a#1' }), base);
  assert.notEqual(explanationKey('A disc of dust.', { ...student, generation: '{"maxNewTokens":50}' }), base);
});

test('least recently used entries are evicted first', () => {
  const cache = new ExplanationCache(2);
  cache.set('a', result('A'));
  cache.set('b', result('B'));
  assert.equal(cache.get('a')?.explanation, 'A'); // a is now the most recent
  cache.set('c', result('C'));
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a')?.explanation, 'A');
  assert.equal(cache.get('c')?.explanation, 'C');
  assert.equal(cache.size, 2);
});
