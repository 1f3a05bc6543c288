/** A CodeLens "Explain" above each abstract in .tex and .bib files, from the document index (no parsing here). */
import * as vscode from 'vscode';
import type { DocumentIndex } from './documentIndex';
import { readSettings } from './settings';

export class ExplainCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly index: DocumentIndex) {
    this.onDidChangeCodeLenses = (listener, thisArg, disposables) =>
      index.onDidScan(() => listener.call(thisArg), undefined, disposables);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!readSettings().codeLensEnabled) return [];
    const scan = this.index.get(document);
    if (!scan) {
      void this.index.scan(document);
      return [];
    }
    return scan.items
      .filter((item) => (item.kind === 'abstract' || item.kind === 'bib-abstract') && item.abstract)
      .map((item) => {
        const line = document.positionAt(item.start).line;
        return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: '$(sparkle) Explain',
          tooltip: 'Explain this abstract in the MiniAstroLM panel',
          command: 'miniastrolm.explainInPanel',
          arguments: [{ uri: document.uri.toString(), offset: item.start }],
        });
      });
  }
}
