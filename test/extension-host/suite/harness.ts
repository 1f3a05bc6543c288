/**
 * The suite's shared harness, inside the extension host: notifications recorded instead of shown, dialogs and
 * input boxes answered from queues, progress recorded, steps that record their outcome without stopping the
 * suite, screenshots asked of the outer test, and hover text read through VS Code's own provider command.
 * Feature files (explain.ts, ingest.ts, …) take one SuiteContext and add their steps.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension/extension';
import type { ShotAnswer, ShotRequest, SuiteParams, SuiteResult } from '../protocol';

export const EXTENSION_ID = 'miniastrolm.miniastrolm';

type Message = SuiteResult['messages'][number];
type AnyFunction = (...args: never[]) => unknown;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Paragraph breaks as ¶ and runs of whitespace as one space, to compare text across renderings. */
export function flat(text: string): string {
  return text
    .replace(/\n\s*\n/g, ' ¶ ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class SuiteContext {
  readonly result: SuiteResult = { steps: [], messages: [], progress: [], cachedHoverMs: [] };
  /** Answers for the next showOpenDialog / showInputBox calls, in order. */
  dialogAnswers: (vscode.Uri[] | undefined)[] = [];
  inputAnswers: (string | undefined)[] = [];
  /** Labels (or a part of them) to pick in the next quick picks; save dialog answers. */
  quickPickAnswers: (string | undefined)[] = [];
  saveAnswers: (vscode.Uri | undefined)[] = [];
  /** Options of every dialog and input box the extension opened. */
  readonly dialogOptions: vscode.OpenDialogOptions[] = [];
  readonly inputOptions: vscode.InputBoxOptions[] = [];
  readonly extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  private unread: Message[] = [];
  private shots = 0;
  private readonly originals = new Map<string, AnyFunction>();
  private readonly win = vscode.window as unknown as Record<string, AnyFunction>;

  constructor(readonly params: SuiteParams) {
    const record = (kind: Message['kind']) => (text: string) => {
      const message = { kind, text };
      this.result.messages.push(message);
      this.unread.push(message);
      return Promise.resolve(undefined);
    };
    // What the extension shows, recorded instead of shown (a notification would wait for a click).
    this.replace('showInformationMessage', record('info'));
    this.replace('showWarningMessage', record('warning'));
    this.replace('showErrorMessage', record('error'));
    // Real progress notifications, with every report recorded.
    const withProgress = vscode.window.withProgress;
    this.replace('withProgress', ((options, task) => {
      const seen = { title: options.title ?? '', messages: [] as string[] };
      this.result.progress.push(seen);
      return withProgress(options, (progress, token) =>
        task(
          {
            report: (value) => {
              if (value.message) seen.messages.push(value.message);
              progress.report(value);
            },
          },
          token,
        ),
      );
    }) as typeof vscode.window.withProgress);
    this.replace('showOpenDialog', (options: vscode.OpenDialogOptions) => {
      this.dialogOptions.push(options);
      return Promise.resolve(this.dialogAnswers.shift());
    });
    this.replace('showInputBox', (options: vscode.InputBoxOptions) => {
      this.inputOptions.push(options);
      return Promise.resolve(this.inputAnswers.shift());
    });
    this.replace(
      'showQuickPick',
      async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => {
        const answer = this.quickPickAnswers.shift();
        if (answer === undefined) return undefined;
        const picked = (await items).find((item) => item.label.includes(answer));
        assert.ok(picked, `no quick pick item contains "${answer}"`);
        return picked;
      },
    );
    this.replace('showSaveDialog', () => Promise.resolve(this.saveAnswers.shift()));
  }

  private replace(name: string, fn: AnyFunction): void {
    if (!this.originals.has(name)) this.originals.set(name, this.win[name]!);
    this.win[name] = fn;
  }

  /** Puts VS Code's own functions back. */
  restore(): void {
    for (const [name, fn] of this.originals) this.win[name] = fn;
  }

  api(): ExtensionApi {
    return this.extension!.exports;
  }

  config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('miniastrolm');
  }

  /** Notifications shown since the last call (or since the step began). */
  messages(): Message[] {
    const read = this.unread;
    this.unread = [];
    return read;
  }

  expectOne(kind: Message['kind'], pattern: RegExp | string): string {
    const got = this.messages();
    assert.equal(got.length, 1, `one notification, got ${JSON.stringify(got)}`);
    assert.equal(got[0]!.kind, kind, JSON.stringify(got[0]));
    if (typeof pattern === 'string') assert.equal(got[0]!.text, pattern);
    else assert.match(got[0]!.text, pattern);
    return got[0]!.text;
  }

  /** Runs one step; a failure is recorded with its stack and the suite goes on. */
  async step(name: string, body: () => Promise<void>): Promise<void> {
    const start = Date.now();
    this.unread = [];
    try {
      await body();
      this.result.steps.push({ name, ok: true, ms: Date.now() - start });
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.result.steps.push({ name, ok: false, error: text, ms: Date.now() - start });
    }
  }

  /** Asks the outer test for a screenshot of the workbench as it is now, and waits for it. */
  async screenshot(request: ShotRequest): Promise<ShotAnswer> {
    const n = ++this.shots;
    writeFileSync(path.join(this.params.shotsDir, `request-${n}.json`), JSON.stringify(request));
    const done = path.join(this.params.shotsDir, `done-${n}.json`);
    for (let i = 0; i < 300 && !existsSync(done); i++) await sleep(100);
    assert.ok(existsSync(done), `screenshot ${request.name} was not taken`);
    const answer = JSON.parse(readFileSync(done, 'utf8')) as ShotAnswer;
    if (answer.error) assert.fail(`in the browser, for ${request.name}: ${answer.error}`);
    return answer;
  }

  /** All hover text VS Code's providers give at `position`, Markdown escapes undone. */
  /** The hover at `position` in `editor`, shown as a user sees it and saved as the screenshot `name`. */
  async hoverScreenshot(editor: vscode.TextEditor, position: vscode.Position, name: string): Promise<void> {
    editor.selection = new vscode.Selection(position, position);
    await vscode.commands.executeCommand('editor.action.showHover');
    await sleep(500);
    await this.screenshot({ name });
    await vscode.commands.executeCommand('editor.action.hideHover').then(undefined, () => undefined);
  }

  async hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      position,
    );
    return hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
      .join('\n')
      .replace(/\\([\\`*_{}[\]()#+\-.!|~>$])/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&amp;/g, '&');
  }

  /** Hovers until `done` says the text is complete (the first hover starts the work in the background). */
  async hoverUntil(
    uri: vscode.Uri,
    position: vscode.Position,
    done: (text: string) => boolean,
  ): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < 600; i++) {
      const text = await this.hoverText(uri, position);
      seen.push(text);
      if (done(text)) return seen;
      await sleep(100);
    }
    assert.fail(`the hover never completed; last: ${seen.at(-1)}`);
  }
}
