/**
 * Finds the Node.js the engine process runs on. The engine loads better-sqlite3, a native module compiled for one
 * Node ABI (NODE_MODULE_VERSION, `process.versions.modules`), so a candidate fits when it is Node.js (not
 * Electron), at least MIN_NODE_MAJOR, and has exactly the ABI recorded in dist/runtime.json when the package was
 * built (onnxruntime-node is N-API: any Node of that age loads it). Candidates, in order: the setting, the
 * extension host itself when it is plain Node (Remote and code-server hosts), every `node` on PATH, then the
 * version managers' folders (nvm, fnm, Volta, asdf, mise; newest version first) and the usual install folders.
 * Each is run once to ask its versions; the first that fits wins, and every other one says why it did not.
 * The file system, the environment and the probe are parameters (systemNodeEnvironment gives the real ones).
 */
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** package.json engines.node. */
export const MIN_NODE_MAJOR = 20;
const PROBE_TIMEOUT_MS = 10_000;

/** What the engine's Node.js must match: dist/runtime.json, written by esbuild.mjs and scripts/package.mjs. */
export interface RuntimeRequirement {
  /** The Node ABI better-sqlite3 was compiled for; null when unknown (any Node ≥ MIN_NODE_MAJOR is taken). */
  modules: string | null;
  /** The Node version that compiled it, when known (for messages: "Node.js 20"). */
  node: string | null;
}

export interface NodeVersions {
  node: string;
  modules: string;
  /** Set when the binary is Electron (VS Code's own runtime, run as Node). */
  electron: string | null;
}

export type NodeSource =
  | 'setting miniastrolm.nodePath'
  | 'extension host'
  | 'PATH'
  | 'nvm'
  | 'fnm'
  | 'Volta'
  | 'asdf'
  | 'mise'
  | 'install folder';

export interface NodeCandidate {
  path: string;
  source: NodeSource;
}

export interface RejectedNode extends NodeCandidate {
  reason: string;
}

export interface FindNodeResult {
  found: (NodeCandidate & { versions: NodeVersions }) | null;
  /** Every candidate tried before the one found (all of them when none fits), with the reason. */
  rejected: RejectedNode[];
}

export interface NodeFileSystem {
  /** An existing file this process may execute (on Windows: an existing file). */
  isExecutable(file: string): boolean;
  /** Names in a folder; [] when it does not exist. */
  listDir(dir: string): string[];
  /** The file a path points to after symbolic links (for skipping duplicates). */
  realpath(file: string): string;
}

export interface NodeEnvironment {
  /** The miniastrolm.nodePath setting; '' when unset. */
  setting: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homedir: string;
  /** The process looking (the extension host): its executable and whether it is Electron. */
  host: { execPath: string; electron: string | undefined };
  fs: NodeFileSystem;
  /** Runs a candidate to read its versions; rejects when it does not run or does not answer. */
  probe(executable: string): Promise<NodeVersions>;
}

export function readRuntimeRequirement(file: string): RuntimeRequirement {
  if (!existsSync(file)) return { modules: null, node: null };
  const json = JSON.parse(readFileSync(file, 'utf8')) as Partial<RuntimeRequirement>;
  return { modules: json.modules ?? null, node: json.node ?? null };
}

const major = (version: string) => Number.parseInt(version.replace(/^v/, ''), 10);

/** "v20.11.1" / "20.11.1" → [20, 11, 1]; a name that is no version sorts last. */
function versionKey(name: string): number[] {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(name);
  return match ? match.slice(1).map(Number) : [-1];
}

function newestFirst(names: string[]): string[] {
  return [...names].sort((a, b) => {
    const [ka, kb] = [versionKey(a), versionKey(b)];
    for (let i = 0; i < 3; i++) if ((ka[i] ?? -1) !== (kb[i] ?? -1)) return (kb[i] ?? -1) - (ka[i] ?? -1);
    return a.localeCompare(b);
  });
}

/** Every candidate in order of preference, each binary once. */
export function nodeCandidates(e: NodeEnvironment): NodeCandidate[] {
  const win = e.platform === 'win32';
  const p = win ? path.win32 : path.posix;
  const exe = win ? 'node.exe' : 'node';
  const home = e.homedir;
  const out: NodeCandidate[] = [];
  const add = (file: string | undefined, source: NodeSource) => {
    if (file && e.fs.isExecutable(file)) out.push({ path: file, source });
  };
  /** `<root>/<each version, newest first>/<inner>`. */
  const versionsIn = (root: string | undefined, inner: string, source: NodeSource) => {
    if (!root) return;
    for (const name of newestFirst(e.fs.listDir(root))) add(p.join(root, name, inner), source);
  };
  const pathDirs = (e.env['PATH'] ?? e.env['Path'] ?? '').split(p.delimiter).filter(Boolean);

  if (e.setting) {
    const setting = e.setting.replace(/^~(?=$|[\\/])/, home);
    const resolved = /[\\/]/.test(setting)
      ? setting
      : pathDirs.map((d) => p.join(d, setting)).find((f) => e.fs.isExecutable(f));
    out.push({ path: resolved ?? setting, source: 'setting miniastrolm.nodePath' });
  }
  if (!e.host.electron) add(e.host.execPath, 'extension host');
  for (const dir of pathDirs) add(p.join(dir, exe), 'PATH');

  const bin = win ? exe : p.join('bin', exe);
  add(e.env['NVM_BIN'] && p.join(e.env['NVM_BIN'], exe), 'nvm');
  versionsIn(p.join(e.env['NVM_DIR'] ?? p.join(home, '.nvm'), 'versions', 'node'), bin, 'nvm');
  if (win) {
    add(e.env['NVM_SYMLINK'] && p.join(e.env['NVM_SYMLINK'], exe), 'nvm');
    versionsIn(e.env['NVM_HOME'], exe, 'nvm');
  }
  add(e.env['FNM_MULTISHELL_PATH'] && p.join(e.env['FNM_MULTISHELL_PATH'], bin), 'fnm');
  const dataHome = e.env['XDG_DATA_HOME'] ?? p.join(home, '.local', 'share');
  const fnmDirs = e.env['FNM_DIR']
    ? [e.env['FNM_DIR']]
    : [
        p.join(dataHome, 'fnm'),
        p.join(home, '.fnm'),
        p.join(home, 'Library', 'Application Support', 'fnm'),
        ...(e.env['APPDATA'] ? [p.join(e.env['APPDATA'], 'fnm')] : []),
      ];
  for (const dir of fnmDirs) versionsIn(p.join(dir, 'node-versions'), p.join('installation', bin), 'fnm');
  const volta =
    e.env['VOLTA_HOME'] ??
    (win && e.env['LOCALAPPDATA'] ? p.join(e.env['LOCALAPPDATA'], 'Volta') : p.join(home, '.volta'));
  versionsIn(p.join(volta, 'tools', 'image', 'node'), bin, 'Volta');
  add(p.join(volta, 'bin', exe), 'Volta');
  versionsIn(p.join(e.env['ASDF_DATA_DIR'] ?? p.join(home, '.asdf'), 'installs', 'nodejs'), bin, 'asdf');
  versionsIn(p.join(e.env['MISE_DATA_DIR'] ?? p.join(dataHome, 'mise'), 'installs', 'node'), bin, 'mise');

  const installFolders = win
    ? [
        e.env['ProgramFiles'],
        e.env['ProgramFiles(x86)'],
        e.env['LOCALAPPDATA'] && p.join(e.env['LOCALAPPDATA'], 'Programs'),
      ]
        .filter((d): d is string => Boolean(d))
        .map((d) => p.join(d, 'nodejs'))
    : ['/usr/local/bin', '/usr/bin', '/opt/homebrew/bin', '/opt/local/bin'];
  for (const dir of installFolders) add(p.join(dir, exe), 'install folder');

  const seen = new Set<string>();
  return out.filter((c) => {
    let key = c.path;
    try {
      key = e.fs.realpath(c.path);
    } catch {
      // a missing setting path: kept, so that the user hears why it was not used
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Why these versions cannot run the engine, or null when they can. */
export function rejectionReason(versions: NodeVersions, required: RuntimeRequirement): string | null {
  if (versions.electron) return `Electron ${versions.electron} (an editor's runtime), not Node.js`;
  if (!(major(versions.node) >= MIN_NODE_MAJOR)) {
    return `Node.js ${versions.node} is older than ${MIN_NODE_MAJOR}`;
  }
  if (required.modules && versions.modules !== required.modules) {
    return (
      `Node.js ${versions.node} has module ABI ${versions.modules}; the bundled SQLite module (better-sqlite3) ` +
      `was built for ABI ${required.modules}${required.node ? ` (Node.js ${major(required.node)})` : ''}`
    );
  }
  return null;
}

function probeFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string; stderr?: string };
  if (e.code === 'ENOENT') return 'not found';
  if (e.code === 'EACCES') return 'not executable';
  if (e.killed || e.signal) return `did not answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  const detail = (e.stderr ?? '').trim().split('\n')[0] || e.message;
  return `did not run as Node.js: ${detail}`;
}

/** The first candidate that fits, and why each one before it did not. */
export async function findNode(e: NodeEnvironment, required: RuntimeRequirement): Promise<FindNodeResult> {
  const rejected: RejectedNode[] = [];
  for (const candidate of nodeCandidates(e)) {
    let versions: NodeVersions;
    try {
      versions = await e.probe(candidate.path);
    } catch (error) {
      rejected.push({ ...candidate, reason: probeFailure(error) });
      continue;
    }
    const reason = rejectionReason(versions, required);
    if (reason === null) return { found: { ...candidate, versions }, rejected };
    rejected.push({ ...candidate, reason });
  }
  return { found: null, rejected };
}

/** "Node.js 20" when the package says which Node built its SQLite module, else "Node.js 20 or later". */
export function requiredNodeText(required: RuntimeRequirement): string {
  if (required.node) return `Node.js ${major(required.node)}`;
  return `Node.js ${MIN_NODE_MAJOR} or later`;
}

/** The message for a user when no candidate fits: what is needed, what was found and why each did not fit. */
export function describeNoNode(result: FindNodeResult, required: RuntimeRequirement): string {
  const needed = requiredNodeText(required);
  const abi = required.modules ? ` (module ABI ${required.modules})` : '';
  const head = `MiniAstroLM runs its engine on ${needed}${abi} and found none that fits.`;
  if (result.rejected.length === 0) {
    return `${head} No Node.js was found (setting, PATH, nvm, fnm, Volta, asdf, mise, the usual install folders). Install ${needed}, or set miniastrolm.nodePath to one.`;
  }
  const found = result.rejected.map((r) => `${r.path} (${r.source}): ${r.reason}`).join('; ');
  return `${head} Found: ${found}. Install ${needed}, or set miniastrolm.nodePath to one.`;
}

/** Runs `executable -e` to print its versions (as Node, should it be Electron: never opens a window). */
export function probeNode(executable: string): Promise<NodeVersions> {
  const script =
    'process.stdout.write(JSON.stringify({node: process.versions.node, modules: process.versions.modules, ' +
    'electron: process.versions.electron ?? null}))';
  return new Promise((resolve, reject) => {
    execFile(
      executable,
      ['-e', script],
      { timeout: PROBE_TIMEOUT_MS, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          reject(Object.assign(error, { stderr }));
          return;
        }
        try {
          const answer = JSON.parse(stdout) as Partial<NodeVersions>;
          if (typeof answer.node === 'string' && typeof answer.modules === 'string') {
            resolve({ node: answer.node, modules: answer.modules, electron: answer.electron ?? null });
            return;
          }
        } catch {
          // fall through: not Node's answer
        }
        reject(new Error(`answered ${JSON.stringify(stdout.slice(0, 80))} instead of its versions`));
      },
    );
  });
}

export const systemFileSystem: NodeFileSystem = {
  isExecutable(file) {
    try {
      if (!statSync(file).isFile()) return false;
      if (process.platform !== 'win32') accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  listDir(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  realpath: (file) => realpathSync(file),
};

/** This process's environment: the one the extension host looks from. */
export function systemNodeEnvironment(setting: string): NodeEnvironment {
  return {
    setting: setting.trim(),
    env: process.env,
    platform: process.platform,
    homedir: os.homedir(),
    host: { execPath: process.execPath, electron: process.versions['electron'] },
    fs: systemFileSystem,
    probe: probeNode,
  };
}
