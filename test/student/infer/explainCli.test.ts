// `miniastrolm explain` as a real child process (dist/cli.js): the JSON contract, human output, the three ways
// to pass an abstract, the same text from an export folder and from the HF folder it came from, and clear
// errors for missing, damaged and unusable model folders.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadGenerationConfig } from '../../../src/student/config/generationConfig';
import { explainAbstract } from '../../../src/student/infer/explain';
import { exportForInference, MODEL_FILE } from '../../../src/student/infer/export';
import { openInferenceModel } from '../../../src/student/infer/open';
import { cliPath, runCli } from '../../helpers/cli';
import { tinyModelFolder } from './helpers';

const ABSTRACT =
  'We report the discovery of a 12 ms pulsar in a binary orbit with a white dwarf, found in archival radio data.';

async function setup(t: import('node:test').TestContext) {
  const model = tinyModelFolder(t, {}, 11);
  const exportDir = path.join(model.root, 'export');
  await exportForInference(model.dir, exportDir);
  return { ...model, exportDir };
}

test('explain --json prints one object per the contract, and the same text as the library', async (t) => {
  const { exportDir } = await setup(t);
  const run = await runCli([
    'explain',
    '--model',
    exportDir,
    '--abstract',
    ABSTRACT,
    '--max-new-tokens',
    '12',
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const json = run.json!;
  assert.ok(json, run.stdout);
  assert.equal(typeof json['explanation'], 'string');
  assert.equal(typeof json['tokens'], 'number');
  assert.ok((json['tokens'] as number) >= 1 && (json['tokens'] as number) <= 12);
  assert.ok(['eos', 'max_tokens', 'context'].includes(json['stop'] as string));
  assert.equal(typeof json['msPerToken'], 'number');
  assert.ok(Array.isArray(json['marks']));
  for (const mark of json['marks'] as { start: number; end: number; text: string }[]) {
    assert.equal((json['explanation'] as string).slice(mark.start, mark.end), mark.text);
  }
  assert.equal((json['model'] as { kind: string }).kind, 'export');
  assert.equal(run.stdout.trim().split('\n').length, 1, 'only the JSON line on stdout');

  const model = await openInferenceModel(exportDir);
  const want = await explainAbstract(model, ABSTRACT, {
    generation: { ...loadGenerationConfig(), maxNewTokens: 12 },
  });
  await model.release();
  assert.equal(json['explanation'], want.explanation);
  assert.equal(json['tokens'], want.tokens);
  assert.equal(json['stop'], want.stop);
  assert.equal(json['promptTokens'], want.promptTokens);
});

test('human output: the explanation on stdout, a summary on stderr; --file and stdin; HF folder = export', async (t) => {
  const { root, dir, exportDir } = await setup(t);
  const args = [
    '--max-new-tokens',
    '8',
    '--repetition-penalty',
    '1.3',
    '--no-repeat-ngram',
    '3',
    '--min-new-tokens',
    '8',
  ];
  const human = await runCli(['explain', '--model', exportDir, '--abstract', ABSTRACT, ...args]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(
    human.stderr,
    /8 tokens \(stop: max_tokens\), prompt \d+ tokens, prefill [\d.]+ ms, [\d.]+ ms\/token/,
  );

  const file = path.join(root, 'abstract.txt');
  writeFileSync(file, `${ABSTRACT}\n`);
  const fromFile = await runCli(['explain', '--model', exportDir, '--file', file, ...args, '--json']);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(human.stdout, `${fromFile.json!['explanation']}\n`);
  assert.deepEqual(fromFile.json!['generation'], {
    maxNewTokens: 8,
    stopAtEos: true,
    repetitionPenalty: 1.3,
    noRepeatNgramSize: 3,
  });

  const fromHf = await runCli(['explain', '--model', dir, '--file', file, ...args, '--json']);
  assert.equal(fromHf.code, 0, fromHf.stderr);
  assert.equal(fromHf.json!['explanation'], fromFile.json!['explanation']);
  assert.equal((fromHf.json!['model'] as { kind: string }).kind, 'hf-folder');

  const child = spawn(process.execPath, [cliPath, 'explain', '--model', exportDir, ...args, '--json'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(ABSTRACT);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.equal(JSON.parse(stdout.trim())['explanation'], fromFile.json!['explanation']);
});

test('missing, damaged and unusable model folders give clear errors with exit code 3', async (t) => {
  const { root, dir, exportDir } = await setup(t);
  const explain = (model: string, ...extra: string[]) =>
    runCli([
      'explain',
      '--model',
      model,
      '--abstract',
      ABSTRACT,
      '--max-new-tokens',
      '4',
      '--json',
      ...extra,
    ]);

  const missing = await explain(path.join(root, 'nope'));
  assert.equal(missing.code, 3);
  assert.equal(missing.json!['kind'], 'badInput');
  assert.match(missing.json!['error'] as string, /no such model folder/);
  assert.match(missing.json!['hint'] as string, /export folder/);

  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  assert.match((await explain(empty)).json!['error'] as string, /no model here/);

  // Too big a generation budget for 256 positions (the export's default is 320 new tokens).
  const tooLong = await runCli(['explain', '--model', exportDir, '--abstract', ABSTRACT, '--json']);
  assert.equal(tooLong.code, 3);
  assert.match(tooLong.json!['error'] as string, /does not fit/);

  // A byte flipped inside the weights: the size matches, only --verify notices.
  const model = path.join(exportDir, MODEL_FILE);
  const bytes = readFileSync(model);
  const middle = bytes.length >> 1;
  bytes[middle] = bytes[middle]! ^ 0xff;
  writeFileSync(model, bytes);
  assert.equal((await explain(exportDir)).code, 0);
  const verified = await explain(exportDir, '--verify');
  assert.equal(verified.code, 3);
  assert.match(verified.json!['error'] as string, /does not match the manifest's sha256/);

  // Garbage of the right size: onnxruntime refuses it.
  writeFileSync(model, Buffer.alloc(bytes.length, 0x5a));
  const garbage = await explain(exportDir);
  assert.equal(garbage.code, 3);
  assert.match(garbage.json!['error'] as string, /onnxruntime cannot load it/);
  assert.match(garbage.json!['hint'] as string, /export the model again/);

  truncateSync(model, 100);
  const truncated = await explain(exportDir);
  assert.equal(truncated.code, 3);
  assert.match(truncated.json!['error'] as string, /truncated/);

  writeFileSync(path.join(exportDir, 'miniastrolm-export.json'), '{"format": "miniastrolm-infer');
  assert.match((await explain(exportDir)).json!['error'] as string, /cannot read the export manifest/);

  rmSync(path.join(dir, 'model.safetensors'));
  const noWeights = await explain(dir);
  assert.equal(noWeights.code, 3);
  assert.match(noWeights.json!['error'] as string, /no model\.safetensors/);
});

test('usage errors: no --model, no abstract, bad numbers', async (t) => {
  const { exportDir } = await setup(t);
  assert.equal((await runCli(['explain', '--abstract', ABSTRACT])).code, 2);
  const both = await runCli(['explain', '--model', exportDir, '--abstract', 'x', '--file', 'y', '--json']);
  assert.equal(both.code, 2);
  // stdin is /dev/null here: an empty abstract.
  const none = await runCli(['explain', '--model', exportDir, '--json']);
  assert.equal(none.code, 3);
  assert.match(none.json!['error'] as string, /abstract is empty/);
  assert.equal(
    (await runCli(['explain', '--model', exportDir, '--abstract', 'x', '--max-new-tokens', '0'])).code,
    2,
  );
  assert.equal(
    (await runCli(['explain', '--model', exportDir, '--abstract', 'x', '--repetition-penalty', '0.5'])).code,
    2,
  );
  const help = await runCli(['explain', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--max-new-tokens N/);
});
