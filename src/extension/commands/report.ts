/** Turns a CLI outcome into one notification: the result, or the error with its hint. */
import * as vscode from 'vscode';
import type { CliOutcome } from '../cliRunner';

export function reportOutcome(
  outcome: CliOutcome,
  success: (result: Record<string, unknown>) => string,
): void {
  if (outcome.code === 0 && outcome.result) {
    void vscode.window.showInformationMessage(success(outcome.result));
    return;
  }
  if (outcome.code === 130) {
    void vscode.window.showWarningMessage(
      'Stopped. Progress is saved; run the same command again to resume.',
    );
    return;
  }
  const error =
    typeof outcome.result?.['error'] === 'string' ? outcome.result['error'] : outcome.messages.join('\n');
  const hint = typeof outcome.result?.['hint'] === 'string' ? ` ${outcome.result['hint']}` : '';
  void vscode.window.showErrorMessage(
    `MiniAstroLM: ${error || `failed with exit code ${outcome.code}`}${hint}`,
  );
}
