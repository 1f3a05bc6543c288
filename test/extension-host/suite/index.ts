/**
 * Runs INSIDE the VS Code extension host (code-server's, started by ../extensionHost.test.ts), as the module
 * named by `extensionTestsPath`. It is bundled to out/extension-host/suite.js, inside the extension's folder, so
 * `require('vscode')` here returns the very API object our extension got: replacing `window.showOpenDialog`,
 * `showInputBox` and the message functions answers the extension's dialogs and records what it tells the user.
 * Everything else is real: command registration and activation, settings, documents, editors and selections,
 * progress notifications, and the CLI child processes that write the workspace database.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { PARAMS_ENV, type SuiteParams, type SuiteResult } from '../protocol';

const EXTENSION_ID = 'miniastrolm.miniastrolm';
const COMMANDS = [
  'miniastrolm.fetchAbstracts',
  'miniastrolm.importAbstracts',
  'miniastrolm.showDatabaseStats',
  'miniastrolm.explainAbstract',
];

type Message = SuiteResult['messages'][number];
type AnyFunction = (...args: never[]) => unknown;

export async function run(): Promise<void> {
  const params = JSON.parse(readFileSync(process.env[PARAMS_ENV] ?? '', 'utf8')) as SuiteParams;
  const result: SuiteResult = { steps: [], messages: [], progress: [] };
  const win = vscode.window as unknown as Record<string, AnyFunction>;
  const originals = new Map<string, AnyFunction>();
  const replace = (name: string, fn: AnyFunction) => {
    if (!originals.has(name)) originals.set(name, win[name]!);
    win[name] = fn;
  };

  // What the extension shows, recorded instead of shown (a notification would wait for a click).
  let unread: Message[] = [];
  const record = (kind: Message['kind']) => (text: string) => {
    const message = { kind, text };
    result.messages.push(message);
    unread.push(message);
    return Promise.resolve(undefined);
  };
  replace('showInformationMessage', record('info'));
  replace('showWarningMessage', record('warning'));
  replace('showErrorMessage', record('error'));
  const messages = () => {
    const read = unread;
    unread = [];
    return read;
  };
  const expectOne = (kind: Message['kind'], pattern: RegExp | string): string => {
    const got = messages();
    assert.equal(got.length, 1, `one notification, got ${JSON.stringify(got)}`);
    assert.equal(got[0]!.kind, kind, JSON.stringify(got[0]));
    if (typeof pattern === 'string') assert.equal(got[0]!.text, pattern);
    else assert.match(got[0]!.text, pattern);
    return got[0]!.text;
  };

  // Real progress notifications, with every report recorded.
  const withProgress = vscode.window.withProgress;
  replace('withProgress', ((options, task) => {
    const seen = { title: options.title ?? '', messages: [] as string[] };
    result.progress.push(seen);
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

  // Dialog answers, queued by each step.
  let dialogAnswers: (vscode.Uri[] | undefined)[] = [];
  const dialogOptions: vscode.OpenDialogOptions[] = [];
  replace('showOpenDialog', (options: vscode.OpenDialogOptions) => {
    dialogOptions.push(options);
    return Promise.resolve(dialogAnswers.shift());
  });
  let inputAnswers: (string | undefined)[] = [];
  const inputOptions: vscode.InputBoxOptions[] = [];
  replace('showInputBox', (options: vscode.InputBoxOptions) => {
    inputOptions.push(options);
    return Promise.resolve(inputAnswers.shift());
  });

  const step = async (name: string, body: () => Promise<void>) => {
    const start = Date.now();
    unread = [];
    try {
      await body();
      result.steps.push({ name, ok: true, ms: Date.now() - start });
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      result.steps.push({ name, ok: false, error: text, ms: Date.now() - start });
    }
  };
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  const database = path.join(params.workspace, '.miniastrolm', 'astro.db');
  const papers = params.sampleImport.imported;

  await step(
    'the manifest is loaded and nothing activates the extension before its first command',
    async () => {
      assert.ok(extension, `${EXTENSION_ID} is not loaded`);
      const contributed = (extension.packageJSON.contributes.commands as { command: string }[]).map(
        (c) => c.command,
      );
      assert.deepEqual(contributed.sort(), [...COMMANDS].sort());
      assert.equal(extension.isActive, false);
      assert.equal(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, params.workspace);
    },
  );

  await step('"Show database statistics" activates it; with no database yet it says so', async () => {
    await vscode.commands.executeCommand('miniastrolm.showDatabaseStats');
    assert.equal(extension?.isActive, true);
    const registered = await vscode.commands.getCommands(true);
    for (const id of COMMANDS) assert.ok(registered.includes(id), `${id} is not registered`);
    expectOne('error', new RegExp(`^MiniAstroLM: No database at ${escapeRegExp(database)}\\.`));
  });

  await step('"Import abstracts file": closing the dialog does nothing', async () => {
    dialogAnswers = [undefined];
    const progressBefore = result.progress.length;
    await vscode.commands.executeCommand('miniastrolm.importAbstracts');
    assert.equal(dialogOptions.length, 1);
    assert.deepEqual(messages(), []);
    assert.equal(result.progress.length, progressBefore, 'no progress notification');
  });

  await step(
    '"Import abstracts file" imports the bundled Atom sample into the workspace database',
    async () => {
      dialogAnswers = [[vscode.Uri.file(params.sampleFile)]];
      await vscode.commands.executeCommand('miniastrolm.importAbstracts');
      const filters = Object.values(dialogOptions[1]?.filters ?? {}).flat();
      for (const ext of ['jsonl', 'json', 'xml'])
        assert.ok(filters.includes(ext), `dialog filter lacks ${ext}`);
      const { imported, skipped } = params.sampleImport;
      expectOne('info', `Imported ${imported} papers (${skipped} records skipped).`);
      assert.equal(result.progress.at(-1)?.title, 'Importing abstracts');
    },
  );

  await step('"Show database statistics" counts them and names the database', async () => {
    await vscode.commands.executeCommand('miniastrolm.showDatabaseStats');
    expectOne('info', `${papers} papers in ${database}.`);
  });

  await step(
    '"Fetch arXiv abstracts" asks for a query and a count, then fetches from the configured API',
    async () => {
      const { query, max } = params.fetch;
      inputAnswers = [query, String(max)];
      await vscode.commands.executeCommand('miniastrolm.fetchAbstracts');
      assert.equal(inputOptions.length, 2);
      const validate = inputOptions[1]!.validateInput!;
      for (const bad of ['0', 'abc', '30001', '2.5']) assert.ok(await validate(bad), `"${bad}" is accepted`);
      assert.equal(await validate(String(max)), null);
      expectOne('info', `Fetched ${params.fetch.papers} abstracts (${params.fetch.papers} new, 0 updated).`);
      const progress = result.progress.at(-1)!;
      assert.equal(progress.title, `arXiv: ${query}`);
      assert.ok(
        progress.messages.includes(`${params.fetch.papers}/${max} abstracts`),
        progress.messages.join('|'),
      );
    },
  );

  const tex = await vscode.workspace.openTextDocument(params.texFile);
  const editor = await vscode.window.showTextDocument(tex);

  await step('"Explain abstract" with nothing selected asks for a selection', async () => {
    assert.equal(tex.languageId, 'latex');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await vscode.commands.executeCommand('miniastrolm.explainAbstract');
    expectOne('warning', /^Select the text of an abstract first/);
  });

  await step('"Explain abstract" explains the selected abstract of the .tex file beside it', async () => {
    const text = tex.getText();
    const start = text.indexOf('\\begin{abstract}') + '\\begin{abstract}'.length;
    const end = text.indexOf('\\end{abstract}');
    editor.selection = new vscode.Selection(tex.positionAt(start), tex.positionAt(end));
    assert.equal(editor.document.getText(editor.selection).trim(), params.abstract);
    await vscode.commands.executeCommand('miniastrolm.explainAbstract');
    assert.deepEqual(messages(), []);
    const shown = vscode.window.activeTextEditor;
    assert.ok(shown && shown.document !== tex, 'the explanation is the active editor');
    assert.equal(shown.document.languageId, 'markdown');
    assert.equal(shown.document.isUntitled, true);
    assert.equal(shown.viewColumn, vscode.ViewColumn.Two, 'opened beside the .tex file');
    const body = shown.document.getText();
    const { explanation, tokens, stop } = params.explain;
    assert.ok(
      body.startsWith(`# Explanation\n\n${explanation}\n\n---\n${tokens} tokens, stopped by ${stop}, `),
      body,
    );
    assert.equal(result.progress.at(-1)?.title, 'Explaining abstract');
  });

  await step('a Node.js that cannot start is reported with the setting that fixes it', async () => {
    const config = () => vscode.workspace.getConfiguration('miniastrolm');
    await config().update('nodePath', '/nonexistent/node', vscode.ConfigurationTarget.Workspace);
    try {
      await vscode.commands.executeCommand('miniastrolm.showDatabaseStats');
      expectOne(
        'error',
        /^MiniAstroLM: Could not start Node\.js \("\/nonexistent\/node"\).*miniastrolm\.nodePath/,
      );
    } finally {
      await config().update('nodePath', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  for (const [name, fn] of originals) win[name] = fn;
  writeFileSync(params.resultFile, `${JSON.stringify(result, null, 2)}\n`);
  const failed = result.steps.filter((s) => !s.ok);
  if (failed.length) throw new Error(`${failed.length} extension-host step(s) failed: ${failed[0]!.name}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
