/** Runs the bundled CLI (dist/cli.js, built by `npm test` before the tests) as a real child process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const cliPath = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The JSON object on the last stdout line (with --json). */
  json: Record<string, unknown> | null;
}

/** Another user to run as (tests of file permissions, which root would bypass). */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface CliOptions {
  /** Another bundled CLI to run (an unpacked VSIX's). */
  cli?: string;
  as?: RunAs;
}

/** `env` is added to this process's environment; a variable given as undefined is left out. */
export function startCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const { cli = cliPath, as } = options;
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does).`);
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, MINIASTROLM_DB: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(as ? { uid: as.uid, gid: as.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let json: Record<string, unknown> | null = null;
      try {
        json = last.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : null;
      } catch {
        json = null;
      }
      resolve({ code, signal, stdout, stderr, json });
    });
  });
  return { child, done };
}

export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: CliOptions = {},
): Promise<CliRun> {
  return startCli(args, env, options).done;
}
