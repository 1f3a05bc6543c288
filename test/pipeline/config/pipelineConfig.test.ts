import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  defaultPipelineConfig,
  loadPipelineConfig,
  pipelineConfigFrom,
} from '../../../src/pipeline/config/pipelineConfig';
import { defaultValidatorConfig } from '../../../src/pipeline/validate/types';
import { tempDir } from '../../helpers/tmp';

test('the shipped configs/pipeline.yaml states exactly the built-in defaults', () => {
  const config = loadPipelineConfig();
  assert.deepEqual(config, { ...defaultPipelineConfig, validators: defaultValidatorConfig });
});

test('overrides merge over defaults; unknown keys, wrong types and bad YAML are named', (t) => {
  const merged = pipelineConfigFrom({
    teacher: { model: 'llama-3.1-8b-instruct', baseUrl: 'http://127.0.0.1:8080/v1' },
    supervise: { concurrency: 8 },
  });
  assert.equal(merged.teacher.model, 'llama-3.1-8b-instruct');
  assert.equal(merged.teacher.temperature, defaultPipelineConfig.teacher.temperature);
  assert.equal(merged.supervise.concurrency, 8);
  assert.throws(() => pipelineConfigFrom({ teacher: { modle: 'x' } }), /teacher\.modle: unknown key/);
  assert.throws(
    () => pipelineConfigFrom({ supervise: { maxAttempts: 0 } }),
    /supervise\.maxAttempts: expected an integer >= 1/,
  );
  const file = path.join(tempDir(t), 'bad.yaml');
  writeFileSync(file, 'teacher:\n  model: [unclosed\n');
  assert.throws(() => loadPipelineConfig(file), /bad\.yaml is not valid YAML/);
  assert.throws(() => loadPipelineConfig(path.join(path.dirname(file), 'none.yaml')), /No config file/);
});
