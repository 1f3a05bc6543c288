/** "MiniAstroLM: Import abstracts file": JSONL/JSON records or a saved arXiv Atom response into the database. */
import * as vscode from 'vscode';
import type { CliRunner } from '../cliRunner';
import { readSettings } from '../settings';
import { reportOutcome } from './report';

export function importAbstractsCommand(runner: CliRunner): () => Promise<void> {
  return async () => {
    const settings = readSettings();
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'Abstracts (JSONL, JSON, Atom XML)': ['jsonl', 'json', 'xml', 'atom'] },
      title: 'Import abstracts',
    });
    const file = picked?.[0];
    if (!file) return;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Importing abstracts', cancellable: true },
      (progress, token) =>
        runner.run(
          ['import', file.fsPath, '--db', settings.databasePath],
          (event) => {
            if (event.type === 'page') progress.report({ message: `${event.position ?? 0} papers` });
          },
          token,
        ),
    );
    reportOutcome(outcome, (r) => `Imported ${r['imported']} papers (${r['skipped']} records skipped).`);
  };
}
