/**
 * A real VS Code extension host without Microsoft's download servers: code-server (VS Code's server build with its
 * Node extension host) from the npm registry, installed once into .vscode-test/ and started on 127.0.0.1.
 *
 * 4.100.3 (Code 1.100.3) is the last release whose server runs on Node 20; later ones need Node 22+. The install
 * is done by hand instead of code-server's postinstall, which downloads ripgrep from GitHub (unreachable offline)
 * and builds modules no test needs. Built from source with the Node headers next to the running node:
 * argon2 (code-server loads it at start) and @vscode/spdlog (log and output-channel files). Not built: node-pty
 * (terminals), kerberos (proxy authentication, needs libkrb5-dev); ripgrep is linked from the system if present.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
export const repoRoot = path.resolve(__dirname, '..', '..');
const installDir = path.join(repoRoot, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
const entryIn = (dir: string) => path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const DONE = 'DONE';

/** Environment for a child npm: none of the calling npm's lifecycle variables, and offline native builds. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  // node-gyp needs Node's headers; offline it cannot download them. A system Node ships them beside its binary.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) env['npm_config_nodedir'] = prefix;
  env['npm_config_build_from_source'] = 'true'; // argon2: skip node-pre-gyp's download from GitHub
  env['npm_config_audit'] = 'false';
  env['npm_config_fund'] = 'false';
  env['npm_config_update_notifier'] = 'false';
  return env;
}

function npm(args: string[], cwd: string, log: (line: string) => void): Promise<void> {
  const execPath = process.env['npm_execpath'];
  const [command, prefix] =
    execPath && /npm-cli\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : ['npm', []];
  log(`$ npm ${args.join(' ')}   (in ${path.relative(repoRoot, cwd)})`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, ...args], {
      cwd,
      env: npmEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-6000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(new Error(`npm ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${cwd}:\n${output}`));
    });
  });
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Installs code-server once (about a minute on 2 cores; 300 MB) and returns the path of its entry script.
 * Safe against a second caller: each installs into its own folder and the first to finish wins.
 */
export async function ensureCodeServer(log: (line: string) => void = () => {}): Promise<string> {
  if (existsSync(path.join(installDir, DONE))) return entryIn(installDir);
  const work = `${installDir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    writeFileSync(
      path.join(work, 'package.json'),
      '{ "name": "miniastrolm-code-server", "private": true }\n',
    );
    await npm(
      ['install', '--ignore-scripts', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`],
      work,
      log,
    );
    await npm(['rebuild', 'argon2'], work, log);
    const vscodeDir = path.join(work, 'node_modules', 'code-server', 'lib', 'vscode');
    await npm(['install', '--omit=dev', '--ignore-scripts'], vscodeDir, log); // as its postinstall does
    await npm(['rebuild', '@vscode/spdlog', 'native-watchdog'], vscodeDir, log);
    // What code-server's postinstall does besides: VS Code looks for some files under node_modules.asar.
    symlinkSync('node_modules', path.join(vscodeDir, 'node_modules.asar'));
    const rg = findOnPath('rg');
    const rgBin = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
    if (rg) {
      mkdirSync(rgBin, { recursive: true });
      symlinkSync(rg, path.join(rgBin, 'rg'));
    }
    writeFileSync(path.join(work, DONE), `code-server ${CODE_SERVER_VERSION}\n`);
    try {
      rmSync(installDir, { recursive: true, force: true });
      renameSync(work, installDir);
    } catch (error) {
      if (!existsSync(path.join(installDir, DONE))) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return entryIn(installDir);
}

export interface RunningCodeServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The remote authority the workbench uses (host:port), for vscode-remote:// URIs. */
  authority: string;
  /** Everything code-server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  entry: string;
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
}

/** Starts code-server on a free port of 127.0.0.1, without authentication, telemetry or update checks. */
export async function startCodeServer(options: CodeServerOptions): Promise<RunningCodeServer> {
  mkdirSync(options.userDataDir, { recursive: true });
  mkdirSync(options.extensionsDir, { recursive: true });
  const args = [
    options.entry,
    '--auth=none',
    '--bind-addr=127.0.0.1:0',
    `--config=${options.configFile}`,
    `--user-data-dir=${options.userDataDir}`,
    `--extensions-dir=${options.extensionsDir}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stop() ends the extension host and its children too
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`code-server did not start in 30 s:\n${output}`)),
      30_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${signal ?? code}) before listening:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    authority: `127.0.0.1:${port}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      const timer = setTimeout(() => kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
