// Where a refused training config points: the trainer's own config readers produce the messages (never typed in
// here), and the key each names is found on its line, for nested keys, flow mappings, list items, a top-level key
// (named after the file), a key the file lacks (its parent) and a YAML syntax error (line and column).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  configErrorPath,
  locateConfigError,
  trainConfigProblem,
} from '../../../src/extension/training/configErrors';

const repo = path.resolve(__dirname, '..', '..', '..');

/** The trainer's message for `yaml`, and where it points (1-based line, the text there). */
function refusal(yaml: string): { message: string; line: number; text: string } {
  const message = trainConfigProblem(yaml, '/w/train.yaml');
  assert.ok(message, 'the config readers refuse it');
  const range = locateConfigError(yaml, message);
  assert.ok(range, `no place found for: ${message}`);
  const lines = yaml.split('\n');
  assert.equal(range.start.line, range.end.line, 'a key is one line');
  return {
    message,
    line: range.start.line + 1,
    text: lines[range.start.line]!.slice(range.start.character, range.end.character),
  };
}

test('the shipped configs pass the same readers the trainer uses', () => {
  for (const file of ['configs/student_train.yaml', 'samples/demo_train.yaml']) {
    assert.equal(trainConfigProblem(readFileSync(path.join(repo, file), 'utf8'), file), null, file);
  }
});

test('an unknown nested key is found on its own line', () => {
  const yaml = 'model:\n  init: scratch\n  config:\n    nLayer: 2\n    nHedd: 2\nbatchSize: 1\n';
  const found = refusal(yaml);
  assert.match(found.message, /^model\.config\.nHedd: unknown key/);
  assert.deepEqual([found.line, found.text], [5, 'nHedd']);
});

test('a top-level key (the readers name it after the file) and a bad value are found', () => {
  const unknown = refusal('seed: 3\nbatchSiz: 1\n');
  assert.match(unknown.message, /^student_train\.yaml\.batchSiz: unknown key/);
  assert.deepEqual([unknown.line, unknown.text], [2, 'batchSiz']);
  assert.deepEqual(configErrorPath(unknown.message), ['batchSiz']);

  const negative = refusal('seed: 3\n\n# the batch\nbatchSize: -1\n');
  assert.match(negative.message, /^batchSize: expected an integer >= 1/);
  assert.deepEqual([negative.line, negative.text], [4, 'batchSize']);
});

test('keys in a flow mapping and items of a list are found', () => {
  const flow = refusal('model:\n  init: scratch\n  config: { nLayer: 2, nHedd: 2 }\n');
  assert.deepEqual([flow.line, flow.text], [3, 'nHedd']);

  const list = refusal('optimizer:\n  noDecay: [bias, ln_1, "", ln_f]\n');
  assert.match(list.message, /^optimizer\.noDecay\[2\]:/);
  assert.deepEqual(configErrorPath(list.message), ['optimizer', 'noDecay', 2]);
  assert.equal(list.line, 2);
  assert.equal(list.text, '""');
});

test('a key the file lacks points at its deepest parent that is there, marked inexact', () => {
  const yaml = 'model:\n  init: scratch\n  config: { nPositions: 64 }\ndata:\n  trainFile: a.jsonl\n';
  const message = trainConfigProblem(yaml, 'x.yaml');
  assert.match(message ?? '', /^data\.maxSeqLen: exceeds the model's 64 positions/);
  const range = locateConfigError(yaml, message!);
  assert.ok(range);
  assert.equal(range.exact, false);
  assert.equal(range.start.line, 3, 'the data: line');
});

test('a YAML syntax error points at the line and column the parser names', () => {
  const yaml = 'seed: 1\nbatchSize: [1\nmaxSteps: 2\n';
  const message = trainConfigProblem(yaml, '/w/train.yaml');
  assert.match(message ?? '', /is not valid YAML/);
  const range = locateConfigError(yaml, message!);
  assert.ok(range, message!);
  const line = /at line (\d+)/.exec(message!)![1]!;
  assert.equal(range.start.line, Number(line) - 1);
});

test('a message that names no key has no place', () => {
  assert.equal(locateConfigError('seed: 1\n', 'The eval file is the training file (/w/a.jsonl).'), null);
  assert.equal(configErrorPath('No config file at /w/x.yaml.'), null);
});
