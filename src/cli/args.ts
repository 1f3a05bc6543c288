/** Argument parsing on top of node:util parseArgs: typed values, and usage errors that say what to type instead. */
import { parseArgs } from 'node:util';
import { MiniAstroError } from '../core/errors';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export const commonOptions = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export function parseCommandArgs<T extends OptionSpec>(argv: string[], options: T, verb: string) {
  try {
    return parseArgs({
      args: argv,
      options: { ...commonOptions, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new MiniAstroError(
      'usage',
      `${verb}: ${(error as Error).message}`,
      `See \`miniastrolm ${verb} --help\`.`,
    );
  }
}

export function intOption(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new MiniAstroError(
      'usage',
      `--${name} must be an integer ≥ ${min}; got "${value}".`,
      `For example --${name} ${Math.max(min, fallback)}.`,
    );
  }
  return n;
}

export function choiceOption<C extends string>(
  value: string | undefined,
  name: string,
  choices: readonly C[],
  fallback: C,
): C {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new MiniAstroError(
      'usage',
      `--${name} must be one of ${choices.join(', ')}; got "${value}".`,
      `For example --${name} ${fallback}.`,
    );
  }
  return value as C;
}
