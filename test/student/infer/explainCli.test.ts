// `miniastrolm explain` as a real child process (dist/cli.js): the JSON contract, human output, the three ways
// to pass an abstract, the same text from an export folder and from the HF folder it came from, clear errors for
// missing, damaged and unusable model folders, input that is not UTF-8, and (issue 17) a minimum above the
// maximum, --verify with nothing to verify against, a damaged trainer state.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
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

/** `explain --json` on ABSTRACT with a few new tokens (what error tests need). */
const explain = (model: string, ...extra: string[]) =>
  runCli(['explain', '--model', model, '--abstract', ABSTRACT, '--max-new-tokens', '3', '--json', ...extra]);

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
    maxNewTokensFloor: 64,
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

  const missing = await explain(path.join(root, 'nope'));
  assert.equal(missing.code, 3);
  assert.equal(missing.json!['kind'], 'badInput');
  assert.match(missing.json!['error'] as string, /no such model folder/);
  assert.match(missing.json!['hint'] as string, /export folder/);

  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  assert.match((await explain(empty)).json!['error'] as string, /no model here/);

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

  // Garbage of the right size: it holds no model.
  writeFileSync(model, Buffer.alloc(bytes.length, 0x5a));
  const garbage = await explain(exportDir);
  assert.equal(garbage.code, 3);
  assert.match(garbage.json!['error'] as string, /cannot load it/);
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

test('input that is not UTF-8 is refused, naming where: Latin-1, UTF-16, binary; a UTF-8 BOM is fine', async (t) => {
  const { root, exportDir } = await setup(t);
  const explainFile = (bytes: Buffer) => {
    const file = path.join(root, 'abstract.txt');
    writeFileSync(file, bytes);
    return runCli(['explain', '--model', exportDir, '--file', file, '--max-new-tokens', '4', '--json']);
  };
  const latin1 = await explainFile(Buffer.from(`Line one.\nThe ${'\u00e9'}toile collapses.`, 'latin1'));
  assert.equal(latin1.code, 3);
  assert.match(latin1.json!['error'] as string, /not valid UTF-8: byte 0xe9 at offset 14 \(line 2\)/);
  const utf16 = await explainFile(
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ABSTRACT, 'utf16le')]),
  );
  assert.equal(utf16.code, 3);
  assert.match(utf16.json!['error'] as string, /UTF-16/);
  const binary = await explainFile(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]));
  assert.equal(binary.code, 3);
  assert.match(binary.json!['error'] as string, /NUL byte at offset 6: it is binary data/);
  assert.match(binary.json!['hint'] as string, /UTF-8/);
  const bom = await explainFile(
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ABSTRACT, 'utf8')]),
  );
  assert.equal(bom.code, 0, bom.stderr);

  // stdin the same way.
  const child = spawn(process.execPath, [cliPath, 'explain', '--model', exportDir, '--json'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(Buffer.from('caf\u00e9', 'latin1'));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 3);
  assert.match(JSON.parse(stdout.trim().split('\n').pop()!)['error'], /the text on stdin is not valid UTF-8/);
});

test('issue 17: a minimum above the maximum, --verify with no recorded hash, a damaged trainer state', async (t) => {
  const { root, dir, exportDir } = await setup(t);
  const minOverMax = await runCli([
    'explain',
    '--model',
    exportDir,
    '--abstract',
    ABSTRACT,
    '--min-new-tokens',
    '50',
    '--max-new-tokens',
    '5',
    '--json',
  ]);
  assert.equal(minOverMax.code, 2);
  assert.match(minOverMax.json!['error'] as string, /--min-new-tokens 50 is more than --max-new-tokens 5/);

  // A plain HF folder records no sha256: --verify says so instead of verifying nothing.
  const nothing = await explain(dir, '--verify');
  assert.equal(nothing.code, 2);
  assert.match(nothing.json!['error'] as string, /records no sha256 to check its weights against/);

  // A checkpoint records one in trainer_state.json: --verify checks it.
  const checkpoint = path.join(root, 'run', 'checkpoint-3');
  mkdirSync(checkpoint, { recursive: true });
  for (const f of ['config.json', 'model.safetensors'])
    copyFileSync(path.join(dir, f), path.join(checkpoint, f));
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256')
    .update(readFileSync(path.join(checkpoint, 'model.safetensors')))
    .digest('hex');
  const state = { format: 1, step: 3, promptTemplate: 'abstract-explanation-v1', weightsSha256: sha };
  writeFileSync(path.join(checkpoint, 'trainer_state.json'), JSON.stringify(state));
  writeFileSync(path.join(checkpoint, 'DONE'), '');
  assert.equal((await explain(checkpoint, '--verify')).code, 0);
  writeFileSync(
    path.join(checkpoint, 'trainer_state.json'),
    JSON.stringify({ ...state, weightsSha256: '0'.repeat(64) }),
  );
  const mismatch = await explain(checkpoint, '--verify');
  assert.equal(mismatch.code, 3);
  assert.match(
    mismatch.json!['error'] as string,
    /does not match the sha256 recorded in trainer_state\.json/,
  );

  // Garbage in trainer_state.json is refused, as `loss` and `train --resume` refuse it.
  writeFileSync(path.join(checkpoint, 'trainer_state.json'), '{"format": 1, "step": 3, "promptTem');
  const garbage = await explain(checkpoint);
  assert.equal(garbage.code, 3);
  assert.match(garbage.json!['error'] as string, /trainer_state\.json: cannot read the trainer state/);
  writeFileSync(path.join(checkpoint, 'trainer_state.json'), '[1, 2, 3]');
  assert.match((await explain(checkpoint)).json!['error'] as string, /not a trainer state/);
  // Hugging Face Trainer's file of the same name is not ours, and not in the way.
  writeFileSync(path.join(checkpoint, 'trainer_state.json'), '{"global_step": 3, "log_history": []}');
  assert.equal((await explain(checkpoint)).code, 0);
});

test('honest limits: a budget past the positions shrinks to what fits and says so; never a negative count', async (t) => {
  // The demo student's shape: 256 positions, while configs/generation.yaml asks for 320 new tokens.
  const { exportDir } = await setup(t);
  const defaults = await runCli(['explain', '--model', exportDir, '--abstract', ABSTRACT, '--json']);
  assert.equal(defaults.code, 0, defaults.stderr);
  const fit = defaults.json!['fit'] as Record<string, number>;
  assert.equal(fit['positions'], 256);
  assert.equal(fit['requestedMaxNewTokens'], 320);
  assert.equal(fit['maxNewTokens'], 256 - (defaults.json!['promptTokens'] as number));
  assert.equal(fit['shrunkBy'], 320 - fit['maxNewTokens']!);
  assert.equal(fit['droppedAbstractTokens'], 0);

  const huge = await runCli([
    'explain',
    '--model',
    exportDir,
    '--abstract',
    ABSTRACT,
    '--max-new-tokens',
    '100000',
  ]);
  assert.equal(huge.code, 0, huge.stderr);
  assert.match(huge.stderr, /at most \d+ new tokens instead of 100000 to fit the model's 256 positions/);
  assert.doesNotMatch(huge.stderr, /(^|\s)-\d/);

  // A long abstract: the budget stops at maxNewTokensFloor (64) and the abstract is cut, both reported.
  const long = Array.from({ length: 60 }, (_, i) => `Sentence ${i} about accretion.`).join(' ');
  const cut = await runCli(['explain', '--model', exportDir, '--abstract', long, '--json']);
  assert.equal(cut.code, 0, cut.stderr);
  const cutFit = cut.json!['fit'] as Record<string, number>;
  assert.equal(cutFit['maxNewTokens'], 64);
  assert.ok(cutFit['droppedAbstractTokens']! > 0);
  assert.equal(cutFit['promptTokens']! + 64, 256);
});
