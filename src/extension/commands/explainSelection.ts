/**
 * "MiniAstroLM: Explain abstract": the selected text goes to the student model (greedy decoding in a child process),
 * and the explanation opens beside the editor, with what the faithfulness checks flagged.
 */
import * as vscode from 'vscode';
import type { CliRunner } from '../cliRunner';
import { readSettings } from '../settings';
import { reportOutcome } from './report';

interface ExplainResult {
  explanation: string;
  tokens: number;
  stop: string;
  msPerToken: number;
  marks: { kind: string; text: string; message?: string }[];
}

export function explainSelectionCommand(runner: CliRunner): () => Promise<void> {
  return async () => {
    const editor = vscode.window.activeTextEditor;
    const abstract = editor?.document.getText(editor.selection).trim();
    if (!editor || !abstract) {
      void vscode.window.showWarningMessage(
        'Select the text of an abstract first, then run "Explain abstract".',
      );
      return;
    }
    const settings = readSettings();
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Explaining abstract', cancellable: true },
      (_progress, token) =>
        runner.run(['explain', '--model', settings.studentModel], () => {}, token, abstract),
    );
    if (outcome.code !== 0 || !outcome.result) {
      reportOutcome(outcome, () => '');
      return;
    }
    const result = outcome.result as unknown as ExplainResult;
    const flagged = result.marks.map(
      (m) => `- **${m.kind}**: “${m.text}”${m.message ? ` — ${m.message}` : ''}`,
    );
    const body = [
      '# Explanation',
      '',
      result.explanation,
      '',
      '---',
      `${result.tokens} tokens, stopped by ${result.stop}, ${result.msPerToken.toFixed(1)} ms/token.`,
      ...(flagged.length ? ['', '**Check against the abstract:**', ...flagged] : []),
    ].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: body });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  };
}
