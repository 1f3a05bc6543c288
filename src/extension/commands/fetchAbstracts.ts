/** "MiniAstroLM: Fetch arXiv abstracts": asks for a query and a count, then runs a resumable fetch with progress. */
import * as vscode from 'vscode';
import type { CliRunner } from '../cliRunner';
import { readSettings } from '../settings';
import { reportOutcome } from './report';

export function fetchAbstractsCommand(runner: CliRunner): () => Promise<void> {
  return async () => {
    const settings = readSettings();
    const query = await vscode.window.showInputBox({
      title: 'arXiv search query',
      prompt: 'arXiv API search_query, e.g. cat:astro-ph.GA or cat:astro-ph.HE AND abs:magnetar',
      value: 'cat:astro-ph.GA',
      ignoreFocusOut: true,
    });
    if (!query) return;
    const max = await vscode.window.showInputBox({
      title: 'How many abstracts?',
      value: '500',
      validateInput: (v) =>
        /^\d+$/.test(v) && Number(v) > 0 && Number(v) <= 30000 ? null : 'A whole number from 1 to 30000',
    });
    if (!max) return;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `arXiv: ${query}`, cancellable: true },
      (progress, token) => {
        let last = 0;
        return runner.run(
          [
            'fetch',
            '--query',
            query,
            '--max',
            max,
            '--db',
            settings.databasePath,
            '--arxiv-url',
            settings.arxivApiUrl,
            '--delay-ms',
            String(settings.requestDelayMs),
          ],
          (event) => {
            if (event.type === 'page' && typeof event.position === 'number') {
              const target = event.target ?? Number(max);
              progress.report({
                message: `${event.position}/${target} abstracts`,
                increment: ((event.position - last) / target) * 100,
              });
              last = event.position;
            } else if (event.type === 'retry')
              progress.report({ message: `retrying: ${event.reason ?? ''}` });
          },
          token,
        );
      },
    );
    reportOutcome(
      outcome,
      (r) => `Fetched ${r['fetched']} abstracts (${r['inserted']} new, ${r['updated']} updated).`,
    );
  };
}
