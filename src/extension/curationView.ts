/**
 * The curation sidebar: a webview view in the MiniAstroLM activity-bar container over the workspace database —
 * rows by state and search, one paper's abstract and explanation with the validators, the judge and the attempts,
 * accept / reject / edit (an edit is stored only when it passes the validators), statistics with charts. Every
 * query goes to the engine; the page speaks first (`ready`) and the host only answers.
 */
import * as vscode from 'vscode';
import { Requests } from '../engine/protocol';
import type { EngineClient } from './engineClient';
import { readSettings } from './settings';
import type { HostMessage, PageMessage } from './webview/curationProtocol';
import { webviewHtml } from './webview/html';

export const CURATION_VIEW = 'miniastrolm.curation';

const BODY = `<div id="toolbar">
  <input id="search" type="search" placeholder="Search id, title, text  ( / )" aria-label="Search">
  <div id="filters" role="tablist"></div>
</div>
<div id="c-notice" hidden></div>
<details id="stats">
  <summary>Dataset statistics</summary>
  <div id="s-counts"></div>
  <h3>Words per explanation</h3><div id="s-words" class="chart"></div>
  <h3>Teacher answers passing each validator</h3><div id="s-validators" class="chart"></div>
</details>
<ul id="rows" tabindex="0" aria-label="Papers"></ul>
<div id="more"></div>
<section id="detail" hidden>
  <h2 id="d-title"></h2>
  <div id="d-meta"></div>
  <div class="actions">
    <button id="accept" title="Accept (a)">Accept</button>
    <button id="reject" class="secondary" title="Reject (r)">Reject</button>
    <button id="edit" class="secondary" title="Edit (e)">Edit</button>
    <button id="clear" class="secondary" title="Clear the decision (c)">Clear decision</button>
    <button id="save" hidden>Save edit</button>
    <button id="c-cancel" class="secondary" hidden>Cancel</button>
  </div>
  <div id="d-errors"></div>
  <div class="pair">
    <div><h3>Abstract</h3><p id="d-abstract"></p></div>
    <div><h3>Explanation <span id="d-words"></span></h3><div id="d-explanation"></div>
      <textarea id="d-editor" hidden aria-label="Edited explanation"></textarea></div>
  </div>
  <h3>Validators</h3><ul id="d-validators"></ul>
  <h3>Judge</h3><div id="d-judge"></div>
  <h3>Attempts</h3><ol id="d-calls"></ol>
</section>`;

export class CurationViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly log: vscode.OutputChannel,
  ) {}

  /** The view's webview, for tests. */
  get webviewView(): vscode.WebviewView | undefined {
    return this.view;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    const uri = (base: vscode.Uri, ...parts: string[]) =>
      view.webview.asWebviewUri(vscode.Uri.joinPath(base, ...parts)).toString();
    view.webview.html = webviewHtml({
      cspSource: view.webview.cspSource,
      scriptUri: uri(dist, 'curation.js'),
      styleUris: [
        uri(media, 'shared', 'webview.css'),
        uri(dist, 'curation.css'),
        uri(media, 'curation', 'curation.css'),
      ],
      title: 'Curation',
      body: BODY,
    });
    view.webview.onDidReceiveMessage((m: PageMessage) => void this.onMessage(m), null, this.disposables);
    view.onDidDispose(
      () => {
        this.view = undefined;
        this.ready = false;
      },
      null,
      this.disposables,
    );
  }

  /** The database changed (a teacher run, an import, a decision elsewhere): the page queries again. */
  refresh(): void {
    this.post({ type: 'refresh' });
  }

  private post(message: HostMessage): void {
    if (this.ready) void this.view?.webview.postMessage(message);
  }

  private async onMessage(message: PageMessage): Promise<void> {
    const databasePath = readSettings().databasePath;
    try {
      switch (message.type) {
        case 'ready':
          this.ready = true;
          return;
        case 'query': {
          const page = await this.engine.request(Requests.curationList, {
            databasePath,
            filter: message.filter,
            search: message.search,
            offset: message.offset,
            limit: 100,
          });
          this.post({
            type: 'page',
            page,
            filter: message.filter,
            search: message.search,
            offset: message.offset,
          });
          return;
        }
        case 'select': {
          const result = await this.engine.request(Requests.curationDetail, {
            databasePath,
            paperId: message.paperId,
          });
          this.post({ type: 'detail', paperId: message.paperId, result });
          return;
        }
        case 'decide': {
          const decided = await this.engine.request(Requests.curationDecide, {
            databasePath,
            paperId: message.paperId,
            decision: message.decision,
            explanation: message.explanation,
            note: message.explanation !== null ? 'edited in the curation sidebar' : 'curation sidebar',
          });
          if (!decided.stored) {
            this.post({ type: 'notice', kind: 'error', text: `Not stored: ${decided.errors.join('; ')}` });
            return;
          }
          const verb = { accept: 'Accepted', reject: 'Rejected', clear: 'Decision cleared for' }[
            message.decision
          ];
          this.post({ type: 'notice', kind: 'info', text: `${verb} ${message.paperId}.` });
          this.post({ type: 'refresh' });
          return;
        }
        case 'stats':
          this.post({
            type: 'stats',
            stats: await this.engine.request(Requests.curationStats, { databasePath }),
          });
          return;
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.log.appendLine(`curation: ${text}`);
      this.post({ type: 'notice', kind: 'error', text });
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
