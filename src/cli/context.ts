/**
 * The side effects a CLI command may use, built once from flags and environment: the database path, an HTTP client
 * with our User-Agent and politeness settings, the clock, and an abort signal wired to SIGINT/SIGTERM.
 */
import path from 'node:path';
import { type Clock, systemClock } from '../core/clock';
import { PoliteHttpClient } from '../pipeline/net/politeHttp';
import { userAgent } from '../pipeline/net/userAgent';
import { defaultDatabasePath } from '../pipeline/store/database';
import { intOption } from './args';
import type { Output } from './output';

export { userAgent };

export function resolveDbPath(flag: string | undefined, env = process.env): string {
  return path.resolve(flag ?? env['MINIASTROLM_DB'] ?? defaultDatabasePath);
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
