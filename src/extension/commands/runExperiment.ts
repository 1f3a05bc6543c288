/**
 * "Run experiment": one of the original study's findings reproduced by `miniastrolm experiment NAME` in a child
 * process (training progress in a notification, Cancel stops it), then its report opened as a Markdown preview,
 * its pass or fail said plainly. Runs land in the workspace's runs folder, beside the student's.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { readSettings, workspaceFolder } from '../settings';
import { reportOutcome } from './report';

const EXPERIMENTS: { name: string; detail: string }[] = [
  { name: 'overfit-1', detail: 'one row: loss < 0.05 and greedy decoding gives the target back exactly' },
  { name: 'memorize-20', detail: 'twenty rows: exact matches (passes at ≥ 19/20), per-row token accuracy' },
  {
    name: 'eos-ablation',
    detail: 'with and without the EOS token supervised: stopping, lengths, repetition',
  },
  { name: 'decoding', detail: 'one model, several decoding settings: v1 compliance and repetition' },
  { name: 'lora-vs-full', detail: 'LoRA adapters against full fine-tuning, side by side' },
];

export const runExperiment = (services: Services) => async () => {
  const picked = await vscode.window.showQuickPick(
    EXPERIMENTS.map((e) => ({ label: e.name, detail: e.detail })),
    { title: 'Run an experiment (tiny default config, offline, CPU)', ignoreFocusOut: true },
  );
  if (!picked) return;
  readSettings(); // a workspace folder is needed: the run goes into it
  const out = path.join(workspaceFolder() ?? '', '.miniastrolm', 'runs');
  const outcome = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Experiment ${picked.label}`,
      cancellable: true,
    },
    (progress, token) =>
      services.runner.run(
        ['experiment', picked.label, '--out', out],
        (event) => {
          if (event.type === 'step' && typeof event['step'] === 'number') {
            const loss = Number(event['loss']);
            progress.report({
              message: `training: step ${event['step']}/${event['totalSteps']}, loss ${Number.isFinite(loss) ? loss.toFixed(4) : '?'}`,
            });
          } else if (event.type === 'note' && typeof event['message'] === 'string') {
            progress.report({ message: event['message'] });
          }
        },
        token,
      ),
  );
  const report = typeof outcome.result?.['report'] === 'string' ? outcome.result['report'] : null;
  if (outcome.code === 0 && report) {
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(report));
  }
  reportOutcome(
    outcome,
    (r) =>
      `Experiment ${picked.label}: ${r['pass'] ? 'PASS' : 'FAIL'} — report at ${vscode.workspace.asRelativePath(String(r['report']))}.`,
  );
};
