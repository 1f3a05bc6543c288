/**
 * The side effects a CLI command may use, built once from flags and environment: the database (its path, opened
 * with the busy timeout), an HTTP client with our User-Agent and politeness settings, the clock, and an abort
 * signal wired to SIGINT/SIGTERM.
 */
import path from 'node:path';
import { type Clock, systemClock } from '../core/clock';
import { MiniAstroError } from '../core/errors';
import { PoliteHttpClient } from '../pipeline/net/politeHttp';
import { userAgent } from '../pipeline/net/userAgent';
import {
  type Db,
  defaultDatabasePath,
  type OpenDatabaseOptions,
  openDatabase,
} from '../pipeline/store/database';
import { defaultBusyTimeoutMs } from '../pipeline/store/faults';
import { intOption } from './args';
import type { Output } from './output';

export { userAgent };

/** --db, else MINIASTROLM_DB (an empty variable counts as unset, as shells write "unset"), else the default. */
export function resolveDbPath(flag: string | undefined, env = process.env): string {
  if (flag !== undefined && flag.trim() === '') {
    throw new MiniAstroError(
      'usage',
      '--db is empty.',
      `Give a database file, e.g. --db ${defaultDatabasePath}, or leave --db out to use that default.`,
    );
  }
  return path.resolve(flag ?? (env['MINIASTROLM_DB'] || undefined) ?? defaultDatabasePath);
}

/** How long a write waits for another process (MINIASTROLM_DB_TIMEOUT_MS, default 10 s). */
export function busyTimeoutMs(env = process.env): number {
  return intOption(
    env['MINIASTROLM_DB_TIMEOUT_MS'],
    'db timeout (MINIASTROLM_DB_TIMEOUT_MS)',
    defaultBusyTimeoutMs,
  );
}

/** The command's database: --db / MINIASTROLM_DB / the default, opened with the configured busy timeout. */
export function openCommandDatabase(flag: string | undefined, options: OpenDatabaseOptions = {}): Db {
  return openDatabase(resolveDbPath(flag), { busyTimeoutMs: busyTimeoutMs(), ...options });
}

export function createHttpClient(
  flags: { 'delay-ms'?: string; 'timeout-ms'?: string; retries?: string },
  out: Output,
  clock: Clock = systemClock,
  env = process.env,
): PoliteHttpClient {
  return new PoliteHttpClient({
    userAgent: userAgent(env),
    delayMs: intOption(flags['delay-ms'] ?? env['MINIASTROLM_DELAY_MS'], 'delay-ms', 3000),
    timeoutMs: intOption(flags['timeout-ms'], 'timeout-ms', 120_000, 1),
    maxRetries: intOption(flags.retries, 'retries', 5),
    backoffBaseMs: intOption(env['MINIASTROLM_BACKOFF_MS'], 'backoff (MINIASTROLM_BACKOFF_MS)', 2000),
    clock,
    onEvent: (event) => {
      if (event.type === 'retry')
        out.progress({ type: 'retry', reason: event.reason, waitMs: event.waitMs, attempt: event.attempt });
    },
  });
}

/**
 * How often a feed page that arrived whole but does not parse (cut off, an HTML error page) is fetched again:
 * --retries when given, as for transport faults; the wait grows with MINIASTROLM_BACKOFF_MS when it is set.
 */
export function pageRetries(
  flags: { retries?: string },
  env = process.env,
): { pageRetries?: number; retryWaitMs?: number } {
  const backoff = env['MINIASTROLM_BACKOFF_MS'];
  return {
    ...(flags.retries !== undefined ? { pageRetries: intOption(flags.retries, 'retries', 5) } : {}),
    ...(backoff !== undefined
      ? { retryWaitMs: intOption(backoff, 'backoff (MINIASTROLM_BACKOFF_MS)', 2000) }
      : {}),
  };
}

/** Aborts on the first SIGINT/SIGTERM so the current page finishes its transaction or is dropped whole. */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => controller.abort(new Error(`interrupted by ${name}`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
