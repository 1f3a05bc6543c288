/**
 * The HTML shell of a webview page: a strict Content-Security-Policy (nothing but our own script, with a fresh
 * nonce, and our own stylesheet), no inline handlers, and the body the page script fills. No `vscode` here.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewShell {
  /** webview.cspSource: the origin VS Code serves the extension's files from. */
  cspSource: string;
  scriptUri: string;
  styleUris: string[];
  title: string;
  body: string;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

const escapeAttribute = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function webviewHtml(shell: WebviewShell, nonce: string = newNonce()): string {
  const csp = [
    "default-src 'none'",
    `style-src ${shell.cspSource}`,
    `img-src ${shell.cspSource} data:`,
    `font-src ${shell.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${shell.styleUris.map((uri) => `<link rel="stylesheet" href="${escapeAttribute(uri)}">`).join('\n')}
<title>${escapeAttribute(shell.title)}</title>
</head>
<body>
${shell.body}
<script nonce="${nonce}" src="${escapeAttribute(shell.scriptUri)}"></script>
</body>
</html>`;
}

/** The explanation panel's fixed markup; media/panel/main.ts fills it. */
export const PANEL_BODY = `<header>
  <h1 id="title"></h1>
  <div id="meta"></div>
</header>
<div class="actions">
  <button id="copy">Copy</button>
  <button id="insert" class="secondary">Insert as LaTeX comment</button>
  <button id="add" class="secondary">Add to dataset</button>
  <button id="regenerate" class="secondary">Regenerate with teacher</button>
  <button id="cancel" class="secondary" hidden>Cancel</button>
</div>
<div id="notice" hidden></div>
<div class="columns">
  <section>
    <h2>Abstract</h2>
    <p id="abstract"></p>
  </section>
  <section>
    <h2>Explanation <span id="written-by"></span></h2>
    <div id="explanation"></div>
    <div id="marks"></div>
    <ul id="notes"></ul>
  </section>
</div>`;
