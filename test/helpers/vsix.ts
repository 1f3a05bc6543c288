/**
 * The packaged extension for tests: runs `npm run package` (scripts/package.mjs) as a real child process, reuses a
 * VSIX in dist/ that is newer than everything it is made from, and reads or unpacks the VSIX (a zip) with yauzl.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

export const repoRoot = path.resolve(__dirname, '..', '..');
const distDir = path.join(repoRoot, 'dist');

export interface PackageRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The path printed on the last stdout line, made absolute. */
  vsix: string | null;
}

/** `node scripts/package.mjs ...args` from the repository root. */
export function runPackage(args: string[] = []): Promise<PackageRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'package.mjs'), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop()?.trim();
      resolve({ code, stdout, stderr, vsix: code === 0 && last ? path.resolve(repoRoot, last) : null });
    });
  });
}

/** What a VSIX is made from: a change to any of these makes the one in dist/ stale. */
const PACKAGE_INPUTS = [
  'src',
  'configs',
  'prompts',
  'samples',
  'media',
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'esbuild.mjs',
  'scripts/package.mjs',
  'scripts/nativeBinary.mjs',
  'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

/** The VSIX in dist/ when it is newer than every input, else null. */
export function upToDateVsix(): string | null {
  const found = existsSync(distDir) ? readdirSync(distDir).filter((f) => f.endsWith('.vsix')) : [];
  if (found.length !== 1) return null;
  const vsix = path.join(distDir, found[0]!);
  const inputs = Math.max(...PACKAGE_INPUTS.map((p) => newestMtime(path.join(repoRoot, p))));
  return statSync(vsix).mtimeMs > inputs ? vsix : null;
}

/** An up-to-date VSIX of this checkout for this machine's platform: reused, or packaged now (~10 s). */
export async function ensurePackagedVsix(): Promise<string> {
  const ready = upToDateVsix();
  if (ready) return ready;
  const run = await runPackage();
  if (!run.vsix) throw new Error(`npm run package failed (exit ${run.code}):\n${run.stderr}`);
  return run.vsix;
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, zip) => (error ? reject(error) : resolve(zip))),
  );
}

/** Calls `onEntry` for every entry of the zip, one after another. */
async function eachEntry(file: string, onEntry: (entry: yauzl.Entry, zip: yauzl.ZipFile) => Promise<void>) {
  const zip = await openZip(file);
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      onEntry(entry, zip).then(() => zip.readEntry(), reject);
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  zip.close();
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

/** Every entry of the VSIX with its uncompressed size. */
export async function vsixEntries(file: string): Promise<Map<string, number>> {
  const entries = new Map<string, number>();
  await eachEntry(file, async (entry) => {
    entries.set(entry.fileName, entry.uncompressedSize);
  });
  return entries;
}

/** One entry's bytes. */
export async function readVsixEntry(file: string, name: string): Promise<Buffer> {
  let found: Buffer | undefined;
  await eachEntry(file, async (entry, zip) => {
    if (entry.fileName !== name) return;
    const chunks: Buffer[] = [];
    for await (const chunk of await entryStream(zip, entry)) chunks.push(chunk as Buffer);
    found = Buffer.concat(chunks);
  });
  if (!found) throw new Error(`${name} is not in ${file}`);
  return found;
}

/** Unpacks the VSIX into `dir` as VS Code does and returns the extension's folder (`dir/extension`). */
export async function unpackVsix(file: string, dir: string): Promise<string> {
  await eachEntry(file, async (entry, zip) => {
    const target = path.resolve(dir, entry.fileName);
    if (!target.startsWith(path.resolve(dir) + path.sep))
      throw new Error(`entry outside the folder: ${target}`);
    if (entry.fileName.endsWith('/')) return;
    mkdirSync(path.dirname(target), { recursive: true });
    await pipeline(await entryStream(zip, entry), createWriteStream(target));
  });
  return path.join(dir, 'extension');
}
