/** The shape of one CLI verb: its help text and what it does. Verbs live one per file under commands/. */
import type { Output } from './output';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Resolves with the process exit code. */
  run(argv: string[], out: Output): Promise<number>;
}
