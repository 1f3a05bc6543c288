import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MiniAstroError } from '../../../../src/core/errors';
import { ENDPOINT_DEFAULTS, PLACEHOLDER_API_KEY } from '../../../../src/pipeline/supervise/llm/endpoint';
import { costUsd, endpointFromEnv } from '../../../../src/pipeline/supervise/llm/openaiClient';

test('explicit values win over the environment', () => {
  const endpoint = endpointFromEnv(
    { model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:8080/v1/', apiKey: 'sk-explicit' },
    { OPENAI_BASE_URL: 'https://proxy.example/v1', OPENAI_API_KEY: 'sk-env' },
  );
  assert.equal(endpoint.baseUrl, 'http://127.0.0.1:8080/v1', 'trailing slash dropped');
  assert.equal(endpoint.apiKey, 'sk-explicit');
});

test('OPENAI_BASE_URL and OPENAI_API_KEY fill what is not given, as the openai package does', () => {
  const endpoint = endpointFromEnv(
    { model: 'm' },
    { OPENAI_BASE_URL: 'https://proxy.example/v1', OPENAI_API_KEY: ' sk-env ' },
  );
  assert.equal(endpoint.baseUrl, 'https://proxy.example/v1');
  assert.equal(endpoint.apiKey, 'sk-env');
});

test('defaults to api.openai.com, which needs a key: a usage error with a hint', () => {
  assert.throws(
    () => endpointFromEnv({ model: 'gpt-4o-mini' }, { OPENAI_API_KEY: '  ' }),
    (error) =>
      error instanceof MiniAstroError &&
      error.kind === 'usage' &&
      error.message.startsWith('OPENAI_API_KEY is not set') &&
      /llama\.cpp/.test(error.hint),
  );
  const withKey = endpointFromEnv({ model: 'gpt-4o-mini' }, { OPENAI_API_KEY: 'sk-1' });
  assert.equal(withKey.baseUrl, 'https://api.openai.com/v1');
});

test('a local endpoint without a key gets a placeholder', () => {
  const endpoint = endpointFromEnv(
    { model: 'llama3.1:8b' },
    { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' },
  );
  assert.equal(endpoint.apiKey, PLACEHOLDER_API_KEY);
});

test('defaults fill unset fields; explicit undefined does not erase them', () => {
  const endpoint = endpointFromEnv(
    { model: 'm', baseUrl: 'http://localhost:8080/v1', timeoutMs: undefined, maxRetries: 0 },
    {},
  );
  assert.equal(endpoint.timeoutMs, ENDPOINT_DEFAULTS.timeoutMs);
  assert.equal(endpoint.maxRetries, 0);
  assert.equal(endpoint.model, 'm');
});

test('a base URL that is not http(s) is a usage error', () => {
  for (const baseUrl of ['not a url', 'ftp://example.org/v1']) {
    assert.throws(
      () => endpointFromEnv({ model: 'm', baseUrl, apiKey: 'k' }, {}),
      (error) => error instanceof MiniAstroError && error.kind === 'usage',
    );
  }
});

test('cost is per million tokens, with a factor for the batch discount', () => {
  const endpoint = endpointFromEnv(
    { model: 'm', apiKey: 'k', inputCostPerMTok: 2, outputCostPerMTok: 8 },
    {},
  );
  assert.equal(costUsd(endpoint, 1_000_000, 500_000), 6);
  assert.equal(costUsd(endpoint, 1_000_000, 500_000, 0.5), 3);
});
