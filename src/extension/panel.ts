/**
 * The explanation panel: one webview, reused for every explanation (never a new untitled document). The page
 * says `ready` before the host posts anything, and again whenever VS Code recreates it, and is then sent the
 * current state. Tokens stream in as the engine writes them.
 */
import * as vscode from 'vscode';
import type { ExplainProgress, ExplainResult } from '../engine/protocol';
import { Requests } from '../engine/protocol';
import type { EngineClient } from './engineClient';
import { EngineError } from './engineClient';
import { type Explainer, NoExplainer } from './explainer';
import { readSettings } from './settings';
import { asLatexComment, type ExplainTarget } from './targets';
import { PANEL_BODY } from './webview/html';
import { createPagePanel } from './webview/pagePanel';
import type { HostMessage, PageMessage, PanelExplanation } from './webview/panelProtocol';

export function explanationNotes(result: ExplainResult): string[] {
  const notes: string[] = [];
  if (result.source === 'student') {
    notes.push(
      `${result.tokens} tokens, stopped by ${result.stop ?? 'unknown'}, ${(result.ms / 1000).toFixed(1)} s`,
    );
    if (result.droppedAbstractTokens > 0) {
      notes.push(
        `The abstract was too long for the model: its last ${result.droppedAbstractTokens} tokens were left out.`,
      );
    }
    if (result.shortenedBy > 0) {
      notes.push(`Generation was shortened by ${result.shortenedBy} tokens to fit the model's positions.`);
    }
    if (result.modelDir) notes.push(`Model: ${vscode.workspace.asRelativePath(result.modelDir)}`);
  } else {
    if (result.fromStore) notes.push('From the workspace database (no new call).');
    if (result.status)
      notes.push(`Supervision state: ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
    if (result.paperId) notes.push(`Stored as supervision for ${result.paperId}.`);
  }
  return notes;
}

export class ExplanationPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private target: ExplainTarget | undefined;
  /** What the page shows now, replayed when it (re)loads. */
  private state: HostMessage[] = [];
  private generation = 0;
  private lastResult: ExplainResult | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly explainer: Explainer,
    private readonly engine: EngineClient,
    private readonly log: vscode.OutputChannel,
    /** Called when an explanation reached the user. */
    private readonly onExplained: () => void = () => {},
  ) {}

  /** The webview, for tests and screenshots. */
  get webviewPanel(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  /** Shows `target` and explains it; resolves when the explanation is there (or failed). */
  async show(
    target: ExplainTarget,
    options: { regenerate?: boolean } = {},
  ): Promise<ExplainResult | undefined> {
    this.ensurePanel();
    this.target = target;
    const generation = ++this.generation;
    this.state = [{ type: 'paper', paper: target.display }];
    this.flush(this.state);
    this.panel!.title = target.display.title ? `Explain: ${target.display.title}` : 'Explanation';
    this.panel!.reveal(vscode.ViewColumn.Beside, true);
    try {
      const result = await this.explainer.explain({
        abstract: target.abstract,
        paper: target.paper,
        priority: 'foreground',
        ...(options.regenerate ? { regenerate: true, forceTeacher: true } : {}),
        onProgress: (p: ExplainProgress) => {
          if (generation !== this.generation) return;
          this.post({ type: 'progress', text: p.text, tokens: p.tokens, phase: p.phase });
        },
      });
      if (generation !== this.generation) return result;
      const explanation: PanelExplanation = {
        text: result.explanation,
        writtenBy: result.writtenBy,
        marks: result.marks,
        notes: explanationNotes(result),
        errors: result.errors,
        status: result.status,
      };
      this.setResult({ type: 'explanation', explanation }, result);
      if (result.explanation) this.onExplained();
      return result;
    } catch (error) {
      if (generation !== this.generation) return undefined;
      if (error instanceof EngineError && error.cancelled) {
        this.setResult({ type: 'error', message: 'Cancelled.', hint: '' });
      } else if (error instanceof NoExplainer) {
        this.setResult({ type: 'error', message: error.message, hint: '' });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        const hint = error instanceof EngineError ? error.hint : '';
        this.log.appendLine(`explain failed: ${message}`);
        this.setResult({ type: 'error', message, hint });
      }
      return undefined;
    }
  }

  private setResult(message: HostMessage, result?: ExplainResult): void {
    this.lastResult = result;
    this.state = [...this.state.filter((m) => m.type === 'paper'), message];
    this.post(message);
  }

  /** Posts to the page when it is ready; a page that loads later gets `state` replayed instead. */
  private post(message: HostMessage): void {
    if (this.ready) void this.panel?.webview.postMessage(message);
  }

  private flush(messages: HostMessage[]): void {
    if (!this.ready) return;
    for (const message of messages) void this.panel?.webview.postMessage(message);
  }

  private ensurePanel(): void {
    if (this.panel) return;
    this.ready = false;
    this.panel = createPagePanel<PageMessage>(this.extensionUri, {
      viewType: 'miniastrolm.explanation',
      title: 'Explanation',
      column: vscode.ViewColumn.Beside,
      page: 'panel',
      styles: ['media/panel/panel.css'],
      body: PANEL_BODY,
      icon: 'icon.svg',
      onMessage: (message) => void this.onMessage(message),
      onDispose: () => {
        this.panel = undefined;
        this.ready = false;
      },
      disposables: this.disposables,
    });
  }

  private async onMessage(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.flush(this.state);
        return;
      case 'copy':
        if (this.lastResult?.explanation) {
          await vscode.env.clipboard.writeText(this.lastResult.explanation);
          this.post({ type: 'notice', text: 'Copied to the clipboard.', kind: 'info' });
        }
        return;
      case 'insertAsComment':
        await this.insertAsComment();
        return;
      case 'addToDataset':
        await this.addToDataset();
        return;
      case 'regenerate':
        if (this.target) await this.show(this.target, { regenerate: true });
        return;
      case 'cancel':
        if (this.target) this.explainer.cancel(this.target.abstract);
        return;
    }
  }

  private async insertAsComment(): Promise<void> {
    const target = this.target;
    const result = this.lastResult;
    if (!target?.insertAfter || !result?.explanation) return;
    const uri = vscode.Uri.parse(target.insertAfter.uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const line = Math.min(target.insertAfter.line, document.lineCount - 1);
    const edit = new vscode.WorkspaceEdit();
    const header = `Explanation by MiniAstroLM (${result.writtenBy}, ${new Date().toISOString().slice(0, 10)}):`;
    edit.insert(uri, new vscode.Position(line + 1, 0), asLatexComment(result.explanation, header));
    const applied = await vscode.workspace.applyEdit(edit);
    this.post({
      type: 'notice',
      text: applied
        ? `Inserted under the abstract in ${vscode.workspace.asRelativePath(uri)}.`
        : 'Could not edit the file.',
      kind: applied ? 'info' : 'error',
    });
  }

  private async addToDataset(): Promise<void> {
    const target = this.target;
    const result = this.lastResult;
    if (!target || !result?.explanation) return;
    try {
      const settings = readSettings();
      const added = await this.engine.request(Requests.addToDataset, {
        databasePath: settings.databasePath,
        paper: target.paper,
        abstract: target.abstract,
        explanation: result.explanation,
        note: `added from the editor (${result.writtenBy})`,
      });
      this.post(
        added.added
          ? {
              type: 'notice',
              text: `Added to the dataset as ${added.paperId} (a person's decision).`,
              kind: 'info',
            }
          : {
              type: 'notice',
              text: `Not added: it fails the v1 contract — ${added.errors.slice(0, 3).join('; ')}${added.errors.length > 3 ? '; …' : ''}`,
              kind: 'error',
            },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.post({ type: 'notice', text: `Not added: ${message}`, kind: 'error' });
    }
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
