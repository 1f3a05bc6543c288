import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../helpers/cli';
import { tinyModelFolder } from './helpers';

const ABSTRACT =
  'Tidal torques from a close companion spin up the envelope of a red giant and drive mass loss.';

test('export-model writes an export folder that explain reads; bad arguments are usage errors', async (t) => {
  const model = tinyModelFolder(t, {}, 5);
  const out = path.join(model.root, 'export');
  const exported = await runCli(['export-model', '--model', model.dir, '--out', out, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.json?.['dir'], out);
  assert.ok(existsSync(path.join(out, 'onnx', 'model.onnx')));
  const manifest = exported.json?.['manifest'] as { source?: { weightsSha256?: string } } | undefined;
  assert.match(manifest?.source?.weightsSha256 ?? '', /^[0-9a-f]{64}$/);

  const explained = await runCli([
    'explain',
    '--model',
    out,
    '--abstract',
    ABSTRACT,
    '--max-new-tokens',
    '8',
    '--json',
  ]);
  assert.equal(explained.code, 0, explained.stderr);
  assert.equal((explained.json!['model'] as { kind: string }).kind, 'export');

  // Exporting an export folder again is refused with a clear message.
  const twice = await runCli(['export-model', '--model', out, '--out', path.join(model.root, 'again')]);
  assert.equal(twice.code, 3);
  assert.match(twice.stderr, /already an export folder/);
  // An occupied folder: the refusal names the flag to pass.
  const busy = path.join(model.root, 'busy');
  mkdirSync(busy);
  writeFileSync(path.join(busy, 'notes.txt'), 'mine');
  const refused = await runCli(['export-model', '--model', model.dir, '--out', busy]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /pass --force to replace it/);
  const missing = await runCli(['export-model', '--model', model.dir]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /needs --model DIR and --out DIR/);
});
