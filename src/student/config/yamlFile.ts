/**
 * The loader pattern shared by the student's YAML configs: read the given file, or the package's shipped one
 * (falling back to built-in defaults when even that is absent), and turn YAML errors into messages a user can act
 * on. Also the few field readers ConfigReader lacks (a choice among names, a value that may be null).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ConfigReader, show } from '../../core/configFields';
import { describeError, MiniAstroError } from '../../core/errors';
import { packageRoot } from '../../core/paths';
import { readTextFile } from '../../core/textDecoding';

/**
 * Parsed YAML of `file`, or of configs/<shippedName> when no file is given; undefined when the shipped file is
 * missing (a stripped install still runs on defaults). A given file that is missing is a usage error.
 */
export function readYamlConfig(file: string | undefined, shippedName: string): unknown {
  const target = file ?? path.join(packageRoot(), 'configs', shippedName);
  if (!existsSync(target)) {
    if (file) {
      throw new MiniAstroError(
        'usage',
        `No config file at ${file}.`,
        'Pass an existing YAML file to --config.',
      );
    }
    return undefined;
  }
  const text = readTextFile(target, 'Pass an existing YAML file to --config.');
  try {
    return parseYaml(text);
  } catch (error) {
    throw new MiniAstroError(
      'badInput',
      `${target} is not valid YAML: ${describeError(error)}`,
      'Fix the syntax (indentation, colons).',
    );
  }
}

/** One of a fixed set of names. */
export function oneOf<T extends string>(
  reader: ConfigReader,
  v: unknown,
  where: string,
  choices: readonly T[],
  fallback: T,
): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    reader.bad(where, `expected one of ${choices.join(', ')}; got ${show(v)}`);
  }
  return v as T;
}

/** A value where `null` is meaningful (e.g. "no eval file"); undefined keeps the default. */
export function nullable<T>(v: unknown, fallback: T | null, read: (v: unknown) => T): T | null {
  if (v === undefined) return fallback;
  if (v === null) return null;
  return read(v);
}

/** A section that may be left out or written as an empty key (`lora:` alone parses as null). */
export function section(
  reader: ConfigReader,
  v: unknown,
  where: string,
  known: readonly string[],
): Record<string, unknown> {
  return v === undefined || v === null ? {} : reader.record(v, where, known);
}
