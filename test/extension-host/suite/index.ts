/**
 * Runs INSIDE the VS Code extension host (code-server's, started by ../extensionHost.test.ts), as the module
 * named by `extensionTestsPath`. It is bundled to out/extension-host/suite.js, inside the extension's folder, so
 * `require('vscode')` here returns the very API object our extension got: replacing `window.showOpenDialog`,
 * `showInputBox` and the message functions answers the extension's dialogs and records what it tells the user.
 * Everything else is real: activation, hovers and CodeLenses through VS Code's own provider commands, the
 * explanation panel's webview, settings, SecretStorage, documents and editors, progress notifications, the
 * engine process and the CLI child processes that write the workspace database. Screenshots are asked of the
 * outer test, which holds the browser.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension/extension';
import {
  PARAMS_ENV,
  type ShotAnswer,
  type ShotRequest,
  type SuiteParams,
  type SuiteResult,
} from '../protocol';

const EXTENSION_ID = 'miniastrolm.miniastrolm';
const COMMANDS = [
  'miniastrolm.explainAbstract',
  'miniastrolm.explainInPanel',
  'miniastrolm.regenerateWithTeacher',
  'miniastrolm.addToDataset',
  'miniastrolm.fetchMissingAbstract',
  'miniastrolm.setApiKey',
  'miniastrolm.fetchAbstracts',
  'miniastrolm.importAbstracts',
  'miniastrolm.showDatabaseStats',
];

type Message = SuiteResult['messages'][number];
type AnyFunction = (...args: never[]) => unknown;

export async function run(): Promise<void> {
  const params = JSON.parse(readFileSync(process.env[PARAMS_ENV] ?? '', 'utf8')) as SuiteParams;
  const result: SuiteResult = { steps: [], messages: [], progress: [], cachedHoverMs: [] };
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
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  const database = path.join(params.workspace, '.miniastrolm', 'astro.db');
  const papers = params.sampleImport.imported;
  const config = () => vscode.workspace.getConfiguration('miniastrolm');

  let shots = 0;
  /** Asks the outer test for a screenshot of the workbench as it is now, and waits for it. */
  const screenshot = async (request: ShotRequest): Promise<ShotAnswer> => {
    const n = ++shots;
    writeFileSync(path.join(params.shotsDir, `request-${n}.json`), JSON.stringify(request));
    const done = path.join(params.shotsDir, `done-${n}.json`);
    for (let i = 0; i < 300 && !existsSync(done); i++) await sleep(100);
    assert.ok(existsSync(done), `screenshot ${request.name} was not taken`);
    return JSON.parse(readFileSync(done, 'utf8')) as ShotAnswer;
  };

  /** All hover text VS Code's providers give at `position`, Markdown escapes undone. */
  const hoverText = async (uri: vscode.Uri, position: vscode.Position): Promise<string> => {
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
  };
  /** Hovers until `done` says the text is complete (the first hover starts the work in the background). */
  const hoverUntil = async (uri: vscode.Uri, position: vscode.Position, done: (text: string) => boolean) => {
    const seen: string[] = [];
    for (let i = 0; i < 600; i++) {
      const text = await hoverText(uri, position);
      seen.push(text);
      if (done(text)) return seen;
      await sleep(100);
    }
    assert.fail(`the hover never completed; last: ${seen.at(-1)}`);
  };
  const flat = (text: string) =>
    text
      .replace(/\n\s*\n/g, ' ¶ ')
      .replace(/\s+/g, ' ')
      .trim();
  const api = () => extension!.exports;

  await step('a workspace with .tex files activates the extension; every command is registered', async () => {
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    const contributed = (extension.packageJSON.contributes.commands as { command: string }[]).map(
      (c) => c.command,
    );
    assert.deepEqual(contributed.sort(), [...COMMANDS].sort());
    for (let i = 0; i < 100 && !extension.isActive; i++) await sleep(100);
    assert.equal(extension.isActive, true, 'activated by workspaceContains:**/*.tex');
    const registered = await vscode.commands.getCommands(true);
    for (const id of COMMANDS) assert.ok(registered.includes(id), `${id} is not registered`);
    assert.equal(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, params.workspace);
  });

  const tex = await vscode.workspace.openTextDocument(params.texFile);
  const editor = await vscode.window.showTextDocument(tex);
  const texText = tex.getText();
  const inAbstract = tex.positionAt(texText.indexOf('Millimetre images') + 5);
  const onCiteKey = tex.positionAt(texText.indexOf(params.citeKey) + 3);

  await step(
    'hover over the .tex abstract: the source first, "Explaining…", then the student\'s explanation',
    async () => {
      assert.equal(tex.languageId, 'latex');
      const seen = await hoverUntil(tex.uri, inAbstract, (text) => /Explanation\*\* _\(student/.test(text));
      const first = seen.find((text) => text.length > 0)!;
      assert.match(first, /Dust trapping in pressure bumps/, 'the title from \\title{}');
      assert.ok(first.includes('> Millimetre images of protoplanetary discs'), first);
      assert.ok(!first.includes('footnote') && !first.includes('comment line'), 'LaTeX markup stripped');
      assert.ok(
        seen.some((text) => text.includes('Explaining…')),
        'a cache miss says Explaining…',
      );
      const last = seen.at(-1)!;
      const quoted = last.indexOf('> Millimetre');
      assert.ok(
        quoted >= 0 && quoted < last.indexOf('**Explanation**'),
        `abstract before explanation:\n${last}`,
      );
      assert.ok(
        flat(last).includes(flat(params.explain.explanation)),
        `${last}\n---\n${params.explain.explanation}`,
      );
      assert.match(last, /\[Explain in panel\]\(command:miniastrolm\.explainInPanel/);
    },
  );

  await step('a cached hover answers from the cache at once', async () => {
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      const text = await hoverText(tex.uri, inAbstract);
      result.cachedHoverMs.push(Math.round((performance.now() - start) * 10) / 10);
      assert.ok(/Explanation\*\* _\(student/.test(text));
    }
  });

  await step('a screenshot of the hover over the abstract', async () => {
    editor.selection = new vscode.Selection(inAbstract, inAbstract);
    editor.revealRange(new vscode.Range(inAbstract, inAbstract), vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('editor.action.showHover');
    await sleep(500);
    await screenshot({ name: 'hover-abstract' });
    await vscode.commands.executeCommand('editor.action.hideHover').then(undefined, () => undefined);
  });

  await step(
    'hover over a \\citep key: the entry from refs.bib, its abstract, then an explanation',
    async () => {
      const seen = await hoverUntil(tex.uri, onCiteKey, (text) => /Explanation\*\* _\(student/.test(text));
      const last = seen.at(-1)!;
      assert.match(last, /Dust rings in the disc around HD 163296/);
      assert.match(last, /Anna Smith|Smith, Anna|A\. Smith/);
      assert.ok(flat(last).includes(flat(params.citedAbstract).slice(0, 80)), last);
      editor.selection = new vscode.Selection(onCiteKey, onCiteKey);
      await vscode.commands.executeCommand('editor.action.showHover');
      await sleep(500);
      await screenshot({ name: 'hover-citation' });
      await vscode.commands.executeCommand('editor.action.hideHover').then(undefined, () => undefined);
    },
  );

  await step('a CodeLens "Explain" sits above the abstract', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      tex.uri,
    );
    const ours = lenses.filter((l) => l.command?.command === 'miniastrolm.explainInPanel');
    assert.equal(ours.length, 1);
    assert.equal(ours[0]!.range.start.line, tex.positionAt(texText.indexOf('Millimetre')).line);
  });

  await step('hover over a .bib abstract field shows the entry and its abstract', async () => {
    const bib = await vscode.workspace.openTextDocument(params.bibFile);
    const bibText = bib.getText();
    const position = bib.positionAt(bibText.indexOf('Using ALMA') + 8);
    const seen = await hoverUntil(bib.uri, position, (text) => text.includes('Using ALMA'));
    assert.match(seen.at(-1)!, /Dust rings in the disc around HD 163296/);
  });

  await step(
    '"Import abstracts file" imports the bundled Atom sample into the workspace database',
    async () => {
      dialogAnswers = [[vscode.Uri.file(params.sampleFile)]];
      await vscode.commands.executeCommand('miniastrolm.importAbstracts');
      const { imported, skipped } = params.sampleImport;
      expectOne('info', `Imported ${imported} papers (${skipped} records skipped).`);
      assert.equal(result.progress.at(-1)?.title, 'Importing abstracts');
    },
  );

  await step('hover over an arXiv id in Markdown: the paper from the workspace database', async () => {
    const md = await vscode.workspace.openTextDocument(params.markdownFile);
    await vscode.window.showTextDocument(md, { preview: false });
    const position = md.positionAt(md.getText().indexOf(params.arxivId) + 4);
    const seen = await hoverUntil(
      md.uri,
      position,
      (text) => /arXiv:2501\.99001/.test(text) && text.includes('> '),
    );
    assert.ok(seen.at(-1)!.length > 200, seen.at(-1));
    await vscode.window.showTextDocument(tex);
  });

  await step(
    '"Explain abstract" at the cursor opens the panel (no untitled document) with the explanation',
    async () => {
      // The editor shown now (showing a document again may give a new TextEditor object).
      const shown = await vscode.window.showTextDocument(tex, vscode.ViewColumn.One);
      shown.selection = new vscode.Selection(inAbstract, inAbstract);
      await vscode.commands.executeCommand('miniastrolm.explainAbstract');
      assert.deepEqual(messages(), []);
      const panel = api().services.panel.webviewPanel;
      assert.ok(panel, 'the panel exists');
      assert.match(panel.title, /^Explain: Dust trapping/);
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.isUntitled), 'no untitled document');
      const answer = await screenshot({ name: 'panel', webviewElement: 'explanation' });
      assert.ok(answer.webview, 'the panel page was found in the workbench');
      assert.ok(
        flat(answer.webview.text).includes(flat(params.explain.explanation).replace(/ ¶ /g, '')),
        answer.webview.text,
      );
      // Reused: a second explanation goes to the same panel.
      await vscode.commands.executeCommand('miniastrolm.explainInPanel', {
        uri: tex.uri.toString(),
        offset: texText.indexOf(params.citeKey),
      });
      assert.equal(api().services.panel.webviewPanel, panel, 'the same panel, reused');
    },
  );

  await step('hostile text in an abstract shows as text in the hover and the panel', async () => {
    const onEvil = tex.positionAt(texText.indexOf(params.hostileKey) + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      tex.uri,
      onEvil,
    );
    const raw = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
      .join('\n');
    assert.ok(raw.includes('Hostile text'));
    assert.ok(!raw.includes('<script>') && !raw.includes('<img') && !raw.includes('**not bold**'), raw);
    await vscode.commands.executeCommand('miniastrolm.explainInPanel', {
      uri: tex.uri.toString(),
      offset: texText.indexOf(params.hostileKey),
    });
    const answer = await screenshot({ name: 'panel-hostile', webviewElement: 'abstract' });
    assert.ok(answer.webview);
    assert.ok(answer.webview.text.includes('<script>window.pwned = 1</script>'), answer.webview.text);
    assert.ok(!answer.webview.html.includes('<script>'), 'the abstract is text, not markup');
    assert.equal(answer.webview.pwned, false, 'no script from the abstract ran');
  });

  await step('"Set API key" keeps the key in SecretStorage; "Regenerate with teacher" uses it', async () => {
    inputAnswers = [params.apiKey];
    await vscode.commands.executeCommand('miniastrolm.setApiKey');
    expectOne('info', 'API key saved in secret storage.');
    assert.equal(inputOptions.at(-1)?.password, true);
    assert.equal(await api().services.apiKey.get(), params.apiKey);
    assert.equal(config().get('apiKey'), undefined, 'no setting holds a key');
    await vscode.commands.executeCommand('miniastrolm.regenerateWithTeacher', {
      uri: tex.uri.toString(),
      offset: texText.indexOf(params.citeKey),
    });
    assert.deepEqual(messages(), []);
    const answer = await screenshot({ name: 'panel-teacher', webviewElement: 'explanation' });
    assert.ok(answer.webview);
    assert.match(answer.webview.text, /Young stars are surrounded by flat disks/);
  });

  await step(
    'the engine killed mid-request: a clear message, and the next request gets a new engine',
    async () => {
      const services = api().services;
      const before = await services.engine.pid();
      assert.ok(before, 'the engine is running');
      // The loopback teacher takes seconds to answer for this paper: time to kill the engine mid-request.
      const running = vscode.commands.executeCommand('miniastrolm.regenerateWithTeacher', {
        uri: tex.uri.toString(),
        offset: texText.indexOf(params.hostileKey),
      });
      await sleep(1500);
      process.kill(before, 'SIGKILL');
      await running;
      for (
        let i = 0;
        i < 50 && !result.messages.some((m) => /engine stopped unexpectedly/.test(m.text));
        i++
      ) {
        await sleep(100);
      }
      const warning = messages().find((m) => /engine stopped unexpectedly/.test(m.text));
      assert.ok(warning, JSON.stringify(result.messages.slice(-3)));
      assert.equal(warning.kind, 'warning');
      services.explainer.cache.clear();
      await hoverUntil(tex.uri, inAbstract, (t) => /Explanation\*\* _\(student/.test(t));
      const after = await services.engine.pid();
      assert.ok(after && after !== before, `a new engine (${before} → ${after})`);
    },
  );

  await step('with no student and no teacher, the hover says how to get one', async () => {
    await config().update('studentModel', 'no/such/model', vscode.ConfigurationTarget.Workspace);
    await config().update('explainWith', 'student', vscode.ConfigurationTarget.Workspace);
    try {
      const text = await hoverText(tex.uri, inAbstract);
      assert.match(text, /No student model at .*no\/such\/model/);
      assert.match(text, /Set API key/);
    } finally {
      await config().update('studentModel', undefined, vscode.ConfigurationTarget.Workspace);
      await config().update('explainWith', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  await step('"Show database statistics" counts the papers and names the database', async () => {
    await vscode.commands.executeCommand('miniastrolm.showDatabaseStats');
    expectOne('info', new RegExp(`^\\d+ papers in ${escapeRegExp(database)}\\.$`));
    assert.ok(papers > 0);
  });

  await step(
    '"Fetch arXiv abstracts" asks for a query and a count, then fetches from the configured API',
    async () => {
      const { query, max } = params.fetch;
      inputAnswers = [query, String(max)];
      const before = inputOptions.length;
      await vscode.commands.executeCommand('miniastrolm.fetchAbstracts');
      assert.equal(inputOptions.length - before, 2);
      const validate = inputOptions.at(-1)!.validateInput!;
      for (const bad of ['0', 'abc', '30001', '2.5']) assert.ok(await validate(bad), `"${bad}" is accepted`);
      assert.equal(await validate(String(max)), null);
      expectOne('info', `Fetched ${params.fetch.papers} abstracts (${params.fetch.papers} new, 0 updated).`);
      const progress = result.progress.at(-1)!;
      assert.equal(progress.title, `arXiv: ${query}`);
    },
  );

  await step(
    'a miniastrolm.nodePath that cannot run is named in a warning, and a Node.js that can is used',
    async () => {
      await config().update('nodePath', '/nonexistent/node', vscode.ConfigurationTarget.Workspace);
      try {
        await vscode.commands.executeCommand('miniastrolm.showDatabaseStats');
        const got = messages();
        const warning = got.find((m) => m.kind === 'warning');
        assert.ok(warning, JSON.stringify(got));
        assert.match(warning.text, /miniastrolm\.nodePath \(\/nonexistent\/node\) is not used/);
        assert.ok(
          got.some((m) => m.kind === 'info' && /papers in /.test(m.text)),
          JSON.stringify(got),
        );
      } finally {
        await config().update('nodePath', undefined, vscode.ConfigurationTarget.Workspace);
      }
    },
  );

  for (const [name, fn] of originals) win[name] = fn;
  writeFileSync(params.resultFile, `${JSON.stringify(result, null, 2)}\n`);
  const failed = result.steps.filter((s) => !s.ok);
  if (failed.length) throw new Error(`${failed.length} extension-host step(s) failed: ${failed[0]!.name}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
