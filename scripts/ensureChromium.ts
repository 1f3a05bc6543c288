/**
 * Test set-up: the extension-host test (test/extension-host) opens VS Code's workbench in a headless Chromium.
 * scripts/run-tests.mjs runs this before that test, so that `npm ci && npm test` on a fresh Debian machine needs
 * nothing else: when Chromium is missing and we are root with apt-get, it installs Debian's `chromium`; otherwise
 * it prints exactly what to run. Exit 0 when Chromium is there (now), 1 when it is not.
 * `--dry-run` prints the decision as JSON and changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Names a Chromium or Chrome goes by on PATH (Debian: chromium; Ubuntu's deb: chromium-browser). */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const SKIP_HINT = 'or skip that one test with MINIASTROLM_SKIP_EXTENSION_HOST=1';

export type ChromiumPlan =
  | { action: 'found'; path: string }
  | { action: 'install'; commands: string[][] }
  | { action: 'instruct'; message: string };

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv, exists = isExecutable): string | null {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir && exists(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** CHROMIUM_PATH when set, else the first Chromium or Chrome on PATH. */
export function findChromium(env: NodeJS.ProcessEnv, exists = isExecutable): string | null {
  if (env['CHROMIUM_PATH']) return env['CHROMIUM_PATH'];
  for (const name of CHROMIUM_NAMES) {
    const found = onPath(name, env, exists);
    if (found) return found;
  }
  return null;
}

export interface ChromiumFacts {
  found: string | null;
  isRoot: boolean;
  hasAptGet: boolean;
  platform: NodeJS.Platform;
}

/** What to do about Chromium, from the facts alone. */
export function planChromium(facts: ChromiumFacts): ChromiumPlan {
  if (facts.found) return { action: 'found', path: facts.found };
  const why = 'Chromium is missing: the extension-host test opens VS Code in a headless Chromium.';
  if (facts.platform === 'linux' && facts.hasAptGet && facts.isRoot) {
    return {
      action: 'install',
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', 'chromium'],
      ],
    };
  }
  if (facts.platform === 'linux' && facts.hasAptGet) {
    return {
      action: 'instruct',
      message: `${why} Install it with:\n  sudo apt-get update && sudo apt-get install -y chromium\nthen run npm test again; or set CHROMIUM_PATH to a Chromium or Chrome binary, ${SKIP_HINT}.`,
    };
  }
  return {
    action: 'instruct',
    message: `${why} Install Chromium or Google Chrome (your system's package manager, or https://www.chromium.org/getting-involved/download-chromium/) and put it on PATH or set CHROMIUM_PATH to it, ${SKIP_HINT}.`,
  };
}

/** Looks, installs when it may, looks again. Returns the exit code. */
export function ensureChromium(env: NodeJS.ProcessEnv = process.env, dryRun = false): number {
  const facts: ChromiumFacts = {
    found: findChromium(env),
    isRoot: process.getuid?.() === 0,
    hasAptGet: onPath('apt-get', env) !== null,
    platform: process.platform,
  };
  const plan = planChromium(facts);
  if (dryRun) {
    console.log(JSON.stringify(plan));
    return 0;
  }
  if (plan.action === 'found') return 0;
  if (plan.action === 'instruct') {
    console.error(plan.message);
    return 1;
  }
  console.error("Chromium is missing (the extension-host test needs it): installing Debian's chromium");
  for (const [command, ...args] of plan.commands) {
    console.error(`$ ${command} ${args.join(' ')}`);
    const run = spawnSync(command!, args, {
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (run.status !== 0) {
      console.error(
        `${command} ${args.join(' ')} failed (${run.error?.message ?? `exit ${run.status}`}). Install Chromium ` +
          `yourself (apt-get install -y chromium) or set CHROMIUM_PATH, ${SKIP_HINT}.`,
      );
      return 1;
    }
  }
  const installed = findChromium(env);
  if (!installed) {
    console.error(
      `apt-get installed chromium, but none of ${CHROMIUM_NAMES.join(', ')} is on PATH; set CHROMIUM_PATH.`,
    );
    return 1;
  }
  console.error(`Chromium installed: ${installed}`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  process.exit(ensureChromium(process.env, process.argv.includes('--dry-run')));
}
