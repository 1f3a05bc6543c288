/** "MiniAstroLM: Show database statistics": what the workspace database holds, in the output channel. */
import type * as vscode from 'vscode';
import type { CliRunner } from '../cliRunner';
import { readSettings } from '../settings';
import { reportOutcome } from './report';

export function showDatabaseStatsCommand(runner: CliRunner, log: vscode.OutputChannel): () => Promise<void> {
  return async () => {
    const settings = readSettings();
    const outcome = await runner.run(['db', 'stats', '--db', settings.databasePath], () => {});
    if (outcome.code === 0 && outcome.result) {
      log.appendLine(JSON.stringify(outcome.result, null, 2));
      log.show(true);
    }
    reportOutcome(outcome, (r) => `${r['papers']} papers in ${settings.databasePath}.`);
  };
}
