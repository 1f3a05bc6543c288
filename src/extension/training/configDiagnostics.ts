/**
 * A training config the trainer refused (exit 3, its message naming the key) gets a diagnostic on that key's line
 * (configErrors.ts finds it), and a notification with the message and a button that opens the file there. The
 * diagnostic goes when the file is saved and the trainer's own config readers accept it, or when a run with that
 * config starts.
 */
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { locateConfigError, trainConfigProblem } from './configErrors';
import type { RunRecord, TrainingRuns } from './trainingRuns';

const OPEN_CONFIG = 'Open config';

export class TrainConfigDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('miniastrolm.trainConfig');
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(runs: TrainingRuns) {
    this.disposables.push(
      runs.subscribe({
        change: (run) => {
          if (run.summary.state === 'starting')
            this.collection.delete(vscode.Uri.file(run.request.configFile));
        },
        exit: (run) => void this.onExit(run),
      }),
      vscode.workspace.onDidSaveTextDocument((document) => this.recheck(document)),
    );
  }

  /** The text of `file`: the editor's when it is open (maybe unsaved), else the disk's. */
  private textOf(file: string): string | null {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    if (open) return open.getText();
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return null;
    }
  }

  /** Where `message` points in `file` (0-based), or null. */
  locate(file: string, message: string): { line: number; character: number } | null {
    const text = this.textOf(file);
    return text === null ? null : (locateConfigError(text, message)?.start ?? null);
  }

  /** Puts the diagnostic for `message` on `file`; returns its range (the first line when it names no key). */
  report(file: string, message: string): vscode.Range {
    const text = this.textOf(file) ?? '';
    const found = locateConfigError(text, message);
    const range = found
      ? new vscode.Range(found.start.line, found.start.character, found.end.line, found.end.character)
      : new vscode.Range(0, 0, 0, Math.max(1, text.split('\n')[0]?.length ?? 1));
    const diagnostic = new vscode.Diagnostic(
      range,
      found && !found.exact ? `${message} (${found.path.join('.')} is not in this file)` : message,
      vscode.DiagnosticSeverity.Error,
    );
    diagnostic.source = 'MiniAstroLM trainer';
    this.collection.set(vscode.Uri.file(file), [diagnostic]);
    return range;
  }

  private async onExit(run: RunRecord): Promise<void> {
    const { summary } = run;
    if (summary.exitCode !== 3 || !summary.error) return;
    const file = run.request.configFile;
    const range = this.report(file, summary.error.message);
    const choice = await vscode.window.showErrorMessage(
      `MiniAstroLM: the trainer refused ${vscode.workspace.asRelativePath(file)}: ${summary.error.message}`,
      OPEN_CONFIG,
    );
    if (choice === OPEN_CONFIG) {
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: range });
    }
  }

  /** A saved config that carries our diagnostic is read again by the trainer's own readers. */
  private recheck(document: vscode.TextDocument): void {
    if (!this.collection.has(document.uri)) return;
    const problem = trainConfigProblem(document.getText(), document.uri.fsPath);
    if (problem === null) this.collection.delete(document.uri);
    else this.report(document.uri.fsPath, problem);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
