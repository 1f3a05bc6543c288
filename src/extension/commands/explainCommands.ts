/**
 * The commands behind hovers, CodeLenses and the palette: explain in the panel (the item under the cursor, a
 * selection, or the item a hover link names), regenerate with the teacher, add to the dataset, fetch a missing
 * abstract, set the API key.
 */
import * as vscode from 'vscode';
import type { ScannedItem } from '../../engine/protocol';
import { Requests } from '../../engine/protocol';
import { latexToText } from '../../pipeline/latex';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { type ExplainTarget, targetFromItem } from '../targets';

/** What a hover link or CodeLens passes: the document and the item's start offset. */
export interface ItemRef {
  uri: string;
  offset: number;
}

async function itemFor(
  services: Services,
  ref: ItemRef,
): Promise<{ item: ScannedItem; document: vscode.TextDocument }> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(ref.uri));
  const scan = await services.index.scan(document);
  const item =
    scan?.items.find((i) => i.start === ref.offset) ??
    scan?.items.find((i) => i.start <= ref.offset && ref.offset <= i.end);
  if (!item) throw new Error('Nothing to explain there any more: the document changed.');
  return { item, document };
}

function targetFor(item: ScannedItem, document: vscode.TextDocument): ExplainTarget | string {
  if (!item.abstract) return item.problem ?? 'No abstract was found for this item.';
  // Under the abstract: after its \end{abstract} (the scanned span ends inside the environment) or closing brace.
  const closing = /^\s*\\end\{abstract\}/.exec(document.getText().slice(item.end));
  const endLine = document.positionAt(item.end + (closing?.[0].length ?? 0)).line;
  return targetFromItem(
    { ...item, abstract: item.abstract },
    document.uri.fsPath,
    document.uri.toString(),
    endLine,
  );
}

async function showItem(services: Services, ref: ItemRef, regenerate: boolean): Promise<void> {
  const { item, document } = await itemFor(services, ref);
  const target = targetFor(item, document);
  if (typeof target === 'string') {
    void vscode.window.showWarningMessage(`MiniAstroLM: ${target}`);
    return;
  }
  await services.panel.show(target, { regenerate });
}

export const explainInPanel = (services: Services) => (ref: ItemRef) => showItem(services, ref, false);

export const regenerateWithTeacher = (services: Services) => (ref: ItemRef) => showItem(services, ref, true);

/** "Explain abstract" from the palette or the context menu: the selection, else the item under the cursor. */
export const explainAtCursor = (services: Services) => async () => {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage(
      'Open a .tex or .bib file, or select the text of an abstract first.',
    );
    return;
  }
  const selected = editor.document.getText(editor.selection).trim();
  if (selected) {
    const isTex = editor.document.languageId === 'latex' || editor.document.fileName.endsWith('.tex');
    // In a .tex file % starts a comment; anywhere else (a .bib value, notes) it is a percent sign.
    const abstract = latexToText(selected, { comments: isTex });
    const endLine = editor.selection.end.line;
    await services.panel.show({
      abstract,
      paper: { id: null, title: null, authors: [] },
      display: {
        title: null,
        authors: [],
        year: null,
        arxivId: null,
        origin: `selection in ${vscode.workspace.asRelativePath(editor.document.uri)}`,
        abstract,
        canInsert: isTex,
      },
      insertAfter: isTex ? { uri: editor.document.uri.toString(), line: endLine } : null,
    });
    return;
  }
  await services.index.scan(editor.document);
  const item = services.index.itemAt(editor.document, editor.document.offsetAt(editor.selection.active));
  if (!item) {
    void vscode.window.showWarningMessage(
      'Put the cursor on an abstract, a citation key or an arXiv id — or select the text of an abstract — then run "Explain abstract".',
    );
    return;
  }
  await showItem(services, { uri: editor.document.uri.toString(), offset: item.start }, false);
};

export const addToDataset = (services: Services) => async (ref: ItemRef) => {
  const { item, document } = await itemFor(services, ref);
  const target = targetFor(item, document);
  if (typeof target === 'string') throw new Error(target);
  const { result } = services.explainer.lookup(target.abstract);
  if (!result?.explanation)
    throw new Error('There is no explanation of this abstract yet: explain it first.');
  const added = await services.engine.request(Requests.addToDataset, {
    databasePath: readSettings().databasePath,
    paper: target.paper,
    abstract: target.abstract,
    explanation: result.explanation,
    note: `added from the editor (${result.writtenBy})`,
  });
  if (added.added) {
    void vscode.window.showInformationMessage(`Added to the dataset as ${added.paperId}.`);
  } else {
    void vscode.window.showWarningMessage(
      `Not added: the explanation fails the v1 contract — ${added.errors.slice(0, 3).join('; ')}`,
    );
  }
};

export const fetchMissingAbstract = (services: Services) => async (ref: ItemRef) => {
  const { item } = await itemFor(services, ref);
  if (!item.arxivId) throw new Error('This item has no arXiv id to fetch.');
  const settings = readSettings();
  const fetched = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `arXiv: ${item.arxivId}`, cancellable: true },
    (_progress, token) =>
      services.engine.request(
        Requests.fetchPapers,
        {
          databasePath: settings.databasePath,
          ids: [item.arxivId!],
          arxivApiUrl: settings.arxivApiUrl,
          delayMs: settings.requestDelayMs,
        },
        token,
      ),
  );
  services.index.refresh();
  if (fetched.missing.length) {
    void vscode.window.showWarningMessage(`arXiv has no paper ${fetched.missing.join(', ')}.`);
  } else {
    void vscode.window.showInformationMessage(`Stored ${item.arxivId} in the workspace database.`);
  }
};

export const setApiKey = (services: Services) => async () => {
  const key = await vscode.window.showInputBox({
    title: 'MiniAstroLM: teacher API key',
    prompt:
      "The key of the teacher endpoint (OpenAI, or a server that needs one). Kept in VS Code's secret storage only. Leave empty to remove it.",
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  await services.apiKey.set(key.trim() || undefined);
  // The engine reads the key from its environment: the next request starts one that has the new key.
  await services.engine.stop();
  void vscode.window.showInformationMessage(
    key.trim() ? 'API key saved in secret storage.' : 'API key removed.',
  );
};
