/**
 * A webview panel showing one of our pages (media/<page>/main.ts bundled to dist/webview/<page>.js): the HTML
 * shell with its CSP nonce (html.ts), the shared stylesheet first, the page's own after it, resources only from
 * media/ and dist/webview/, and the page's messages and the panel's disposal handed to its host. Hosts keep the
 * protocol (one typed file per page) and the `ready` handshake.
 */
import * as vscode from 'vscode';
import { webviewHtml } from './html';

export interface PagePanelOptions<PageMessage> {
  viewType: string;
  title: string;
  column: vscode.ViewColumn;
  /** The page's name: its script is dist/webview/<page>.js. */
  page: string;
  /** Its stylesheets after media/shared/webview.css, as paths in the extension (e.g. media/panel/panel.css). */
  styles: string[];
  body: string;
  /** The tab's icon, a file in media/. */
  icon: string;
  onMessage(message: PageMessage): void;
  onDispose(): void;
  disposables: vscode.Disposable[];
}

export function createPagePanel<PageMessage>(
  extensionUri: vscode.Uri,
  options: PagePanelOptions<PageMessage>,
): vscode.WebviewPanel {
  const media = vscode.Uri.joinPath(extensionUri, 'media');
  const dist = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const panel = vscode.window.createWebviewPanel(
    options.viewType,
    options.title,
    { viewColumn: options.column, preserveFocus: true },
    { enableScripts: true, localResourceRoots: [media, dist] },
  );
  panel.iconPath = vscode.Uri.joinPath(media, options.icon);
  const webview = panel.webview;
  const uri = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, file)).toString();
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    scriptUri: uri(`dist/webview/${options.page}.js`),
    styleUris: ['media/shared/webview.css', ...options.styles].map(uri),
    title: options.title,
    body: options.body,
  });
  webview.onDidReceiveMessage(
    (message: PageMessage) => options.onMessage(message),
    null,
    options.disposables,
  );
  panel.onDidDispose(() => options.onDispose(), null, options.disposables);
  return panel;
}
