/**
 * activate(): builds the shared services and registers the hover, the CodeLens, the panel and every command from
 * one table; every disposable goes to the context. Nothing heavy happens here: the engine process (database,
 * ONNX Runtime, the student) starts on the first request that needs it.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { RequestType } from 'vscode-jsonrpc';
import { type EngineErrorData, Requests } from '../engine/protocol';
import { CliRunner } from './cliRunner';
import { ExplainCodeLensProvider } from './codeLens';
import { commandTable } from './commands';
import { CURATION_VIEW, CurationViewProvider } from './curationView';
import { DocumentIndex } from './documentIndex';
import { EngineClient } from './engineClient';
import { engineLaunch } from './engineLaunch';
import { Explainer } from './explainer';
import { AbstractHoverProvider } from './hover';
import { forgetEngineNode, resolveEngineNode } from './nodeRuntime';
import { ExplanationPanel } from './panel';
import { ApiKeyStore } from './secrets';
import type { Services } from './services';
import { readSettings } from './settings';
import { chooseSource, studentModelExists } from './sources';
import { registerTraining } from './training';
import { WorkspaceState } from './workspaceState';

/** Where hovers and CodeLenses work: LaTeX, BibTeX and .bbl files, and arXiv ids in Markdown and plain text. */
const DOCUMENTS: vscode.DocumentSelector = [
  { language: 'latex' },
  { language: 'tex' },
  { language: 'bibtex' },
  { pattern: '**/*.{tex,bib,bbl}' },
  { language: 'markdown' },
  { language: 'plaintext' },
];

/** What activate() returns: the services, for tests and other extensions. */
export interface ExtensionApi {
  services: Services;
  /**
   * An engine request by name. Callers bundled separately (the test suite) have their own copy of vscode-jsonrpc,
   * whose request types this extension's connection does not recognise, so they name the request instead.
   */
  request<K extends keyof typeof Requests>(
    name: K,
    params: RequestParams<(typeof Requests)[K]>,
  ): Promise<RequestResult<(typeof Requests)[K]>>;
}

type RequestParams<T> = T extends RequestType<infer P, unknown, unknown> ? P : never;
type RequestResult<T> = T extends RequestType<unknown, infer R, unknown> ? R : never;

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel('MiniAstroLM');
  context.subscriptions.push(log);
  const runner = new CliRunner(context.extensionPath, () => resolveEngineNode(context, log), log);
  const apiKey = new ApiKeyStore(context.secrets);
  void apiKey.get();

  const engine = new EngineClient({
    launch: async () => engineLaunch(context, log, await apiKey.get()),
    log: (line) => log.appendLine(line),
    onCrash: (description) =>
      void vscode.window.showWarningMessage(
        `MiniAstroLM: the engine stopped unexpectedly (${description}). It restarts on the next request.`,
      ),
  });
  context.subscriptions.push({ dispose: () => void engine.stop() });

  let studentEpoch = 0;
  const explainer = new Explainer({
    client: engine,
    studentEpoch: () => studentEpoch,
    choose: (options) => {
      const settings = readSettings();
      return chooseSource(
        settings,
        { studentExists: studentModelExists(settings.studentModel), hasApiKey: apiKey.known },
        options,
      );
    },
  });
  context.subscriptions.push({ dispose: () => explainer.dispose() });

  // A new checkpoint or export in the student's folder makes cached student explanations stale.
  let modelWatcher: vscode.Disposable | undefined;
  const watchStudent = () => {
    modelWatcher?.dispose();
    const model = readSettings().studentModel;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    const inside = path.relative(folder, model);
    // Inside the workspace a pattern also sees the folder appear when training creates it.
    const pattern =
      folder && !inside.startsWith('..') && !path.isAbsolute(inside)
        ? new vscode.RelativePattern(folder, `${inside.split(path.sep).join('/')}/**`)
        : new vscode.RelativePattern(vscode.Uri.file(model), '**/*');
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const bump = () => {
      studentEpoch++;
    };
    modelWatcher = vscode.Disposable.from(
      watcher,
      watcher.onDidCreate(bump),
      watcher.onDidChange(bump),
      watcher.onDidDelete(bump),
    );
  };
  if (vscode.workspace.workspaceFolders?.length) watchStudent();
  context.subscriptions.push({ dispose: () => modelWatcher?.dispose() });

  const state = new WorkspaceState(engine, apiKey, context.workspaceState, log);
  const index = new DocumentIndex(engine, log);
  const panel = new ExplanationPanel(
    context.extensionUri,
    explainer,
    engine,
    log,
    () => void state.markExplained(),
  );
  const curation = new CurationViewProvider(context.extensionUri, engine, log);
  context.subscriptions.push(
    index,
    panel,
    curation,
    vscode.window.registerWebviewViewProvider(CURATION_VIEW, curation, {
      webviewOptions: { retainContextWhenHidden: true },
    }),
  );

  // The database changes under us (a teacher run, an import, the CLI in a terminal): views and walkthrough follow.
  let databaseWatcher: vscode.Disposable | undefined;
  let changedTimer: NodeJS.Timeout | undefined;
  const watchDatabase = () => {
    databaseWatcher?.dispose();
    let database: string;
    try {
      database = readSettings().databasePath;
    } catch {
      return;
    }
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(database)), `${path.basename(database)}*`),
    );
    const changed = () => {
      clearTimeout(changedTimer);
      changedTimer = setTimeout(() => {
        curation.refresh();
        void state.refresh();
      }, 800);
    };
    databaseWatcher = vscode.Disposable.from(
      watcher,
      watcher.onDidCreate(changed),
      watcher.onDidChange(changed),
      watcher.onDidDelete(changed),
    );
  };
  watchDatabase();
  context.subscriptions.push({
    dispose: () => {
      clearTimeout(changedTimer);
      databaseWatcher?.dispose();
    },
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('miniastrolm.studentModel')) watchStudent();
      if (e.affectsConfiguration('miniastrolm.databasePath')) {
        index.refresh();
        watchDatabase();
        curation.refresh();
      }
      if (e.affectsConfiguration('miniastrolm')) {
        // What failed under the old settings may work under the new ones.
        explainer.clearFailures();
        void state.refresh();
      }
      if (e.affectsConfiguration('miniastrolm.nodePath')) {
        forgetEngineNode();
        void engine.stop();
      }
    }),
    apiKey.onDidChange(() => {
      explainer.clearFailures();
      void engine.stop();
      void state.refresh();
    }),
  );

  const training = registerTraining(context, log);
  // A finished or stopped run may have left the student's first checkpoint: the walkthrough's train step.
  context.subscriptions.push(training.runs.subscribe({ exit: () => void state.refresh() }));
  const services: Services = {
    context,
    log,
    runner,
    engine,
    explainer,
    index,
    panel,
    apiKey,
    curation,
    state,
    training,
  };
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(
      DOCUMENTS,
      new AbstractHoverProvider(index, explainer, log, () => void state.markExplained()),
    ),
    vscode.languages.registerCodeLensProvider(DOCUMENTS, new ExplainCodeLensProvider(index)),
  );
  for (const [id, factory] of Object.entries(commandTable)) {
    const handler = factory(services) as (...args: unknown[]) => Promise<unknown>;
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const hint = (error as { hint?: unknown }).hint;
          log.appendLine(error instanceof Error ? (error.stack ?? message) : message);
          void vscode.window.showErrorMessage(
            `MiniAstroLM: ${message}${typeof hint === 'string' && hint ? ` ${hint}` : ''}`,
          );
          return undefined;
        }
      }),
    );
  }
  // Documents already open when the extension activated, and the walkthrough's keys (after activation settles).
  for (const editor of vscode.window.visibleTextEditors) void index.scan(editor.document);
  setTimeout(() => void state.refresh(), 1000);
  return {
    services,
    request: (name, params) =>
      engine.request(Requests[name] as RequestType<typeof params, never, EngineErrorData>, params),
  };
}

export function deactivate(): void {}
