/**
 * activate(): builds the few shared services and registers every command from one table; each feature lives in
 * its own file under commands/. Every disposable goes to the context. No work happens here beyond wiring.
 */
import * as vscode from 'vscode';
import { CliRunner } from './cliRunner';
import { explainSelectionCommand } from './commands/explainSelection';
import { fetchAbstractsCommand } from './commands/fetchAbstracts';
import { importAbstractsCommand } from './commands/importAbstracts';
import { showDatabaseStatsCommand } from './commands/showDatabaseStats';
import { readSettings } from './settings';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('MiniAstroLM');
  context.subscriptions.push(log);
  const runner = new CliRunner(context.extensionPath, () => readSettings().nodePath, log);

  const table: Record<string, () => Promise<void>> = {
    'miniastrolm.fetchAbstracts': fetchAbstractsCommand(runner),
    'miniastrolm.importAbstracts': importAbstractsCommand(runner),
    'miniastrolm.showDatabaseStats': showDatabaseStatsCommand(runner, log),
    'miniastrolm.explainAbstract': explainSelectionCommand(runner),
  };
  for (const [id, handler] of Object.entries(table)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          await handler();
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          log.appendLine(error instanceof Error ? (error.stack ?? message) : message);
          void vscode.window.showErrorMessage(`MiniAstroLM: ${message}`);
        }
      }),
    );
  }
}

export function deactivate(): void {}
