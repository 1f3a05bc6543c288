/**
 * Supervision from the editor: "Run teacher & judge" on a batch (or a new one made from a filter, or every paper
 * not yet supervised) as a resumable CLI run with progress — papers done, accepted, cost so far — and Cancel; and
 * "Export dataset" to the curated JSONL. The API key reaches the child in its environment only.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { readSettings, workspaceFolder } from '../settings';
import { reportOutcome } from './report';

interface BatchInfo {
  name: string;
  papers: number;
  createdAt: string;
}

const ALL = '$(list-unordered) Every paper without a supervision state';
const NEW = '$(add) New batch from a filter…';

async function pickBatch(services: Services, databasePath: string): Promise<string | null | undefined> {
  const listed = await services.runner.run(['batch', 'list', '--db', databasePath], () => {});
  const batches = ((listed.result?.['batches'] as BatchInfo[] | undefined) ?? []).map((b) => ({
    label: `$(package) ${b.name}`,
    description: `${b.papers} papers`,
    detail: `created ${b.createdAt.slice(0, 10)}`,
    batch: b.name,
  }));
  const picked = await vscode.window.showQuickPick(
    [{ label: ALL, batch: null }, ...batches, { label: NEW, batch: undefined }],
    { title: 'Run teacher & judge on…', ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  if (picked.label !== NEW) return picked.batch ?? null;
  const name = await vscode.window.showInputBox({
    title: 'New batch: name',
    value: `batch-${new Date().toISOString().slice(0, 10)}`,
    validateInput: (v) => (/^[\w.-]+$/.test(v) ? null : 'Letters, digits, dot, dash and underscore only'),
  });
  if (!name) return undefined;
  const category = await vscode.window.showInputBox({
    title: 'New batch: category (empty for all)',
    prompt: 'e.g. astro-ph.GA; astro-ph matches every astro-ph.* category',
  });
  if (category === undefined) return undefined;
  const size = await vscode.window.showInputBox({
    title: 'New batch: at most how many papers?',
    value: '100',
    validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 ? null : 'A whole number above 0'),
  });
  if (!size) return undefined;
  const created = await services.runner.run(
    [
      'batch',
      'create',
      name,
      ...(category.trim() ? ['--category', category.trim()] : []),
      '--size',
      size,
      '--unsupervised',
      '--db',
      databasePath,
    ],
    () => {},
  );
  if (created.code !== 0) {
    reportOutcome(created, () => '');
    return undefined;
  }
  return name;
}

export const runTeacher = (services: Services) => async () => {
  const settings = readSettings();
  const batch = await pickBatch(services, settings.databasePath);
  if (batch === undefined) return;
  const key = await services.apiKey.get();
  const args = ['teach', '--db', settings.databasePath];
  if (batch) args.push('--batch', batch);
  if (settings.teacher.baseUrl) args.push('--base-url', settings.teacher.baseUrl);
  if (settings.teacher.model) args.push('--model', settings.teacher.model);
  const judge = settings.judge ?? { baseUrl: null, model: null };
  if (judge.baseUrl) args.push('--judge-base-url', judge.baseUrl);
  if (judge.model) args.push('--judge-model', judge.model);
  const outcome = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Teacher & judge${batch ? `: ${batch}` : ''}`,
      cancellable: true,
    },
    (progress, token) => {
      let last = 0;
      return services.runner.run(
        args,
        (event) => {
          if (event.type !== 'page' || typeof event.position !== 'number') return;
          const target = event.target ?? event.position;
          progress.report({
            message: `${event.position}/${target} papers, ${event['accepted'] ?? 0} accepted, $${Number(event['costUsd'] ?? 0).toFixed(4)}`,
            increment: target ? ((event.position - last) / target) * 100 : undefined,
          });
          last = event.position;
        },
        token,
        undefined,
        key ? { OPENAI_API_KEY: key } : undefined,
      );
    },
  );
  reportOutcome(
    outcome,
    (r) =>
      `Teacher & judge: ${r['papers']} papers, ${r['accepted']} accepted, ${r['rejected']} rejected, ` +
      `${r['deferred']} deferred, $${Number(r['costUsd'] ?? 0).toFixed(4)}.`,
  );
};

export const exportDataset = (services: Services) => async () => {
  const settings = readSettings();
  const folder = workspaceFolder();
  const target = await vscode.window.showSaveDialog({
    title: 'Export the curated dataset (train rows; eval rows go beside it)',
    defaultUri: vscode.Uri.file(path.join(folder ?? '', 'data', 'curated.jsonl')),
    filters: { 'JSON Lines': ['jsonl'] },
  });
  if (!target) return;
  const outcome = await services.runner.run(
    ['export', '--out', target.fsPath, '--db', settings.databasePath],
    () => {},
  );
  reportOutcome(
    outcome,
    (r) =>
      `Exported ${r['train']} training and ${r['eval']} evaluation rows to ${vscode.workspace.asRelativePath(target)}.`,
  );
};

/** "Import the bundled sample": the 8 arXiv abstracts shipped with the extension, into the workspace database. */
export const importSample = (services: Services) => async () => {
  const settings = readSettings();
  const sample = path.join(services.context.extensionPath, 'samples', 'astro-ph-sample.atom.xml');
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Importing the bundled sample' },
    () => services.runner.run(['import', sample, '--db', settings.databasePath], () => {}),
  );
  reportOutcome(outcome, (r) => `Imported ${r['imported']} sample papers into the workspace database.`);
};
