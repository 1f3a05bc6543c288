// The generation config: shipped YAML = defaults (greedy, EOS stop, no penalties), overrides and errors by path.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { packageRoot } from '../../../src/core/paths';
import {
  defaultGenerationConfig,
  generationConfigFrom,
  loadGenerationConfig,
} from '../../../src/student/config/generationConfig';
import { tempDir } from '../../helpers/tmp';

test('configs/generation.yaml states every key, with exactly the built-in defaults', () => {
  assert.deepEqual(loadGenerationConfig(), defaultGenerationConfig);
  const raw = parseYaml(readFileSync(path.join(packageRoot(), 'configs', 'generation.yaml'), 'utf8'));
  assert.deepEqual(raw, defaultGenerationConfig);
  assert.deepEqual(defaultGenerationConfig, {
    maxNewTokens: 320,
    stopAtEos: true,
    repetitionPenalty: 1,
    noRepeatNgramSize: 0,
    maxNewTokensFloor: 64,
  });
});

test('round-trip, overrides, and errors naming the key', (t) => {
  assert.deepEqual(
    generationConfigFrom(parseYaml(stringifyYaml(defaultGenerationConfig))),
    defaultGenerationConfig,
  );
  const file = path.join(tempDir(t), 'g.yaml');
  writeFileSync(file, 'noRepeatNgramSize: 4\nrepetitionPenalty: 1.2\n');
  assert.deepEqual(loadGenerationConfig(file), {
    ...defaultGenerationConfig,
    noRepeatNgramSize: 4,
    repetitionPenalty: 1.2,
  });
  assert.throws(
    () => generationConfigFrom({ temperature: 0.7 }),
    /generation\.yaml\.temperature: unknown key/,
  );
  assert.throws(() => generationConfigFrom({ maxNewTokens: 0 }), /maxNewTokens: expected an integer >= 1/);
  assert.throws(
    () => generationConfigFrom({ repetitionPenalty: 0.8 }),
    /repetitionPenalty: expected a number between 1 and 10/,
  );
  assert.throws(() => generationConfigFrom({ stopAtEos: 'yes' }), /stopAtEos: expected true or false/);
});
