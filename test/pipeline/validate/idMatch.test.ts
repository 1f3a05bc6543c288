// id_match: the same paper under any id spelling matches; another paper or version does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalArxivId, checkIdMatch } from '../../../src/pipeline/validate/idMatch';
import { defaultValidatorConfig as config } from '../../../src/pipeline/validate/types';
import { input } from './fixtures';

test('id_match: equal ids pass, including the URL and versioned forms of one paper', () => {
  assert.deepEqual(checkIdMatch(input(), config), []);
  assert.deepEqual(
    checkIdMatch(input({ id: 'http://arxiv.org/abs/2501.01234v2', expectedId: '2501.01234' }), config),
    [],
  );
  assert.deepEqual(
    checkIdMatch(
      input({ id: 'arXiv:2501.01234V1', expectedId: 'https://arxiv.org/abs/2501.01234v1' }),
      config,
    ),
    [],
  );
  assert.deepEqual(
    checkIdMatch(input({ id: ' astro-ph/0601001 ', expectedId: 'astro-ph/0601001v3' }), config),
    [],
  );
});

test('id_match: another paper, another version, or no id fails', () => {
  const other = checkIdMatch(input({ id: '2501.01243' }), config);
  assert.equal(other[0]?.code, 'id_mismatch');
  assert.equal(other[0]?.message, 'Id mismatch: expected 2501.01234, got 2501.01243');
  const version = checkIdMatch(input({ id: '2501.01234v1', expectedId: '2501.01234v2' }), config);
  assert.equal(version[0]?.code, 'id_mismatch');
  const missing = checkIdMatch(input({ id: '' }), config);
  assert.equal(missing[0]?.code, 'missing_id');
  assert.equal(missing[0]?.message, 'Missing id; expected 2501.01234');
});

test('id_match: canonical form', () => {
  assert.deepEqual(canonicalArxivId('http://arxiv.org/abs/1801.00855v1'), {
    base: '1801.00855',
    version: 'v1',
  });
  assert.deepEqual(canonicalArxivId('https://arxiv.org/pdf/1801.00855.pdf'), {
    base: '1801.00855',
    version: null,
  });
  assert.deepEqual(canonicalArxivId('astro-ph/0601001v2'), { base: 'astro-ph/0601001', version: 'v2' });
});
