/**
 * What each open .tex/.bib/Markdown document holds (abstracts, citations, arXiv ids, each with its abstract),
 * scanned by the engine after the user pauses typing and kept per document version. Hovers and CodeLenses read
 * only this; a document whose latest version is not scanned yet simply has nothing to show for a moment.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { DocumentFlavor, ScanDocumentResult, ScannedItem } from '../engine/protocol';
import { Requests } from '../engine/protocol';
import type { EngineClient } from './engineClient';
import { readSettings } from './settings';
import { innermostItem } from './targets';

/** Documents past this size are not scanned (a 5 MB .bib is fine; a 50 MB log named .tex is not). */
const MAX_SCAN_CHARS = 20_000_000;
/** A cheap test for text that may hold an arXiv id (the engine finds the real ones). */
const MAYBE_ARXIV = /arxiv|\b\d{4}\.\d{4,5}\b|\b[a-z-]+(?:\.[A-Z]{2})?\/\d{7}\b/i;

export function flavorOf(document: vscode.TextDocument): DocumentFlavor | null {
  const ext = path.extname(document.uri.path).toLowerCase();
  // .bbl: the reference list BibTeX writes, LaTeX too (its items hover like citations).
  if (['latex', 'tex', 'context'].includes(document.languageId) || ['.tex', '.ltx', '.bbl'].includes(ext))
    return 'tex';
  if (['bibtex', 'bib', 'biblatex'].includes(document.languageId) || ext === '.bib') return 'bib';
  if (['markdown', 'plaintext'].includes(document.languageId)) return 'text';
  return null;
}

export class DocumentIndex implements vscode.Disposable {
  private readonly scans = new Map<string, { version: number; result: ScanDocumentResult }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, Promise<ScanDocumentResult | undefined>>();
  private workspaceBibs: Promise<string[]> | undefined;
  private workspaceTex: Promise<string[]> | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a document's scan is stored (CodeLenses refresh on it). */
  readonly onDidScan = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly engine: EngineClient,
    private readonly log: vscode.OutputChannel,
    private readonly delayMs = 300,
  ) {
    // .bib files, and the .bbl BibTeX writes (citations fall back to it).
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{bib,bbl}');
    const bibsChanged = () => {
      this.workspaceBibs = undefined;
      this.rescanOpen('tex');
    };
    // A root document (main.tex) created, deleted or edited on disk changes what its parts' citations resolve to.
    const texWatcher = vscode.workspace.createFileSystemWatcher('**/*.tex');
    const texChanged = () => {
      this.workspaceTex = undefined;
      this.rescanOpen('tex');
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(bibsChanged),
      watcher.onDidDelete(bibsChanged),
      watcher.onDidChange(() => this.rescanOpen('tex')),
      texWatcher,
      texWatcher.onDidCreate(texChanged),
      texWatcher.onDidDelete(texChanged),
      texWatcher.onDidChange((uri) => this.rescanOpen('tex', uri)),
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
    );
  }

  /** The scan of this exact version, if there is one. */
  get(document: vscode.TextDocument): ScanDocumentResult | undefined {
    const scan = this.scans.get(document.uri.toString());
    return scan?.version === document.version ? scan.result : undefined;
  }

  /** The item under `offset` in this version's scan; schedules a scan when there is none yet. */
  itemAt(document: vscode.TextDocument, offset: number): ScannedItem | undefined {
    const scan = this.get(document);
    if (!scan) {
      this.schedule(document, 0);
      return undefined;
    }
    return innermostItem(scan.items, offset);
  }

  /** Scans now (or joins a scan under way) and resolves with the result for the document's current version. */
  async scan(document: vscode.TextDocument): Promise<ScanDocumentResult | undefined> {
    const flavor = flavorOf(document);
    if (!flavor || document.getText().length > MAX_SCAN_CHARS) return undefined;
    const cached = this.get(document);
    if (cached) return cached;
    const key = `${document.uri.toString()}@${document.version}`;
    let running = this.inFlight.get(key);
    if (!running) {
      running = this.runScan(document, flavor).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, running);
    }
    return running;
  }

  /** Forgets every scan (the database or the settings changed) and rescans the open documents. */
  refresh(): void {
    this.scans.clear();
    this.workspaceBibs = undefined;
    this.workspaceTex = undefined;
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  private async runScan(
    document: vscode.TextDocument,
    flavor: DocumentFlavor,
  ): Promise<ScanDocumentResult | undefined> {
    const version = document.version;
    try {
      const result = await this.engine.request(Requests.scanDocument, {
        file: document.uri.fsPath,
        flavor,
        text: document.getText(),
        workspaceBibs: flavor === 'tex' ? await this.bibs() : [],
        workspaceTex: flavor === 'tex' ? await this.texFiles() : [],
        databasePath: readSettings().databasePath,
      });
      for (const problem of result.problems) this.log.appendLine(`${document.uri.fsPath}: ${problem}`);
      this.scans.set(document.uri.toString(), { version, result });
      this.changed.fire(document.uri);
      return result;
    } catch (error) {
      this.log.appendLine(
        `could not scan ${document.uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  }

  private bibs(): Promise<string[]> {
    this.workspaceBibs ??= Promise.resolve(
      vscode.workspace.findFiles('**/*.bib', '**/{node_modules,.git}/**', 500),
    ).then((uris) => uris.map((u) => u.fsPath));
    return this.workspaceBibs;
  }

  private texFiles(): Promise<string[]> {
    this.workspaceTex ??= Promise.resolve(
      vscode.workspace.findFiles('**/*.tex', '**/{node_modules,.git}/**', 500),
    ).then((uris) => uris.map((u) => u.fsPath));
    return this.workspaceTex;
  }

  private schedule(document: vscode.TextDocument, delay = this.delayMs): void {
    const flavor = flavorOf(document);
    if (!flavor || document.uri.scheme === 'output') return;
    // Markdown and plain text matter only when they mention arXiv: no engine start for every README.
    if (flavor === 'text' && !MAYBE_ARXIV.test(document.getText())) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.scan(document);
      }, delay),
    );
  }

  /** Rescans the open documents of `flavor`, except `saved` (its own edits already rescan it). */
  private rescanOpen(flavor: DocumentFlavor, saved?: vscode.Uri): void {
    for (const document of vscode.workspace.textDocuments) {
      if (flavorOf(document) === flavor && document.uri.toString() !== saved?.toString()) {
        this.scans.delete(document.uri.toString());
        this.schedule(document, 0);
      }
    }
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.scans.delete(key);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
  }
}
