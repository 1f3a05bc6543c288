/**
 * The `miniastrolm` command line: a table of verbs, one file each under commands/. Errors the user can act on are
 * printed as message + hint with a meaningful exit code; a SQLite fault met anywhere in a command (a lock, a full
 * disk) is described against the command's database; anything else is a bug and prints its stack.
 */
import { parseArgs } from 'node:util';
import { ExitCode, isMiniAstroError, type MiniAstroError } from '../core/errors';
import { databaseFault } from '../pipeline/store/faults';
import { version } from '../version';
import { commonOptions } from './args';
import type { Command } from './command';
import { abstractsCommand } from './commands/abstracts';
import { batchCommand } from './commands/batch';
import { dbCommand } from './commands/db';
import { evalCommand } from './commands/eval';
import { experimentCommand } from './commands/experiment';
import { explainCommand } from './commands/explain';
import { exportCommand } from './commands/export';
import { exportModelCommand } from './commands/exportModel';
import { fetchCommand } from './commands/fetch';
import { harvestCommand } from './commands/harvest';
import { importCommand } from './commands/import';
import { importV1Command } from './commands/importV1';
import { judgeCommand } from './commands/judge';
import { lossCommand } from './commands/loss';
import { statsCommand } from './commands/stats';
import { teachCommand } from './commands/teach';
import { trainCommand } from './commands/train';
import { busyTimeoutMs, resolveDbPath } from './context';
import { createOutput } from './output';

const commands: readonly Command[] = [
  fetchCommand,
  harvestCommand,
  importCommand,
  abstractsCommand,
  batchCommand,
  dbCommand,
  teachCommand,
  judgeCommand,
  importV1Command,
  exportCommand,
  statsCommand,
  trainCommand,
  lossCommand,
  explainCommand,
  exportModelCommand,
  experimentCommand,
  evalCommand,
];

function mainHelp(): string {
  return `miniastrolm ${version} — arXiv abstracts to mechanism-focused explanations, with a student model you train

Usage: miniastrolm <command> [options]    (miniastrolm <command> --help for details)

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Every command takes --db PATH (default .miniastrolm/astro.db) and --json (one JSON object on the last line).
Exit codes: 0 ok, 2 usage, 3 bad input, 4 remote service failed, 5 database problem, 130 interrupted.`;
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const json = rest.includes('--json');
  const out = createOutput(json);
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return verb ? ExitCode.ok : ExitCode.usage;
  }
  if (verb === '--version' || verb === '-v') {
    process.stdout.write(`${version}\n`);
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === verb);
  if (!command) {
    out.note(`Unknown command "${verb}".\n\n${mainHelp()}`);
    return ExitCode.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, out);
  } catch (thrown) {
    out.endProgress();
    const error = asDatabaseFault(thrown, rest) ?? thrown;
    if (isMiniAstroError(error)) {
      out.note(`error: ${error.message}\n  hint: ${error.hint}`);
      if (json)
        process.stdout.write(
          `${JSON.stringify({ error: error.message, hint: error.hint, kind: error.kind })}\n`,
        );
      return error.exitCode;
    }
    if (error instanceof Error && /^interrupted by SIG/.test(error.message)) {
      out.note(
        `${error.message}: progress up to the last stored page is saved; run the same command to resume.`,
      );
      return ExitCode.interrupted;
    }
    out.note(
      `internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return ExitCode.internal;
  }
}

/** A SQLite error from inside a command, described against the database the command was given. */
function asDatabaseFault(error: unknown, args: string[]): MiniAstroError | null {
  try {
    const { values } = parseArgs({ args, options: commonOptions, strict: false, allowPositionals: true });
    const flag = typeof values.db === 'string' ? values.db : undefined;
    return databaseFault(error, resolveDbPath(flag), busyTimeoutMs());
  } catch {
    return null;
  }
}
