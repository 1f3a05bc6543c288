/**
 * One error type for everything a user can act on: what happened, and what to do about it.
 * The CLI prints `message` and `hint`; the extension shows them; stack traces go to logs only.
 */

/** Process exit codes with a meaning scripts can rely on. */
export const ExitCode = {
  ok: 0,
  /** A bug: something we did not anticipate. */
  internal: 1,
  /** The command line was wrong. */
  usage: 2,
  /** Input data (a feed, a file, a config) was malformed or rejected. */
  badInput: 3,
  /** A remote service failed or refused us after retries. */
  remote: 4,
  /** The database could not be opened or is incompatible. */
  database: 5,
  /** Interrupted by a signal; the run can be resumed. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind = 'usage' | 'badInput' | 'remote' | 'database' | 'interrupted';

export class MiniAstroError extends Error {
  override readonly name = 'MiniAstroError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** What the user can do about it. */
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): ExitCodeValue {
    return ExitCode[this.kind];
  }
}

export function isMiniAstroError(error: unknown): error is MiniAstroError {
  return error instanceof MiniAstroError;
}

/** A short human description of any thrown value, for messages (never for control flow). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const own = code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
    // fetch's own message is always "fetch failed"; what failed (a refused connection, a redirect loop) is
    // its cause.
    return own === 'fetch failed' && error.cause !== undefined
      ? `${own}: ${describeError(error.cause)}`
      : own;
  }
  return String(error);
}
