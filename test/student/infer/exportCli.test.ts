import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
  assert.ok(existsSync(path.join(out, 'model.onnx')));
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
  const missing = await runCli(['export-model', '--model', model.dir]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /needs --model DIR and --out DIR/);
});
