// The webview shell: a strict CSP (our script by nonce, our stylesheet, nothing inline), no inline handlers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newNonce, PANEL_BODY, webviewHtml } from '../../src/extension/webview/html';

test('the CSP allows only the nonce script and the webview origin, and the body has no inline handlers', () => {
  const nonce = newNonce();
  const html = webviewHtml(
    {
      cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
      scriptUri: 'https://x/panel.js',
      styleUris: ['https://x/panel.css'],
      title: 'T "<b>"',
      body: PANEL_BODY,
    },
    nonce,
  );
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${nonce.replace(/[+/=]/g, '\\$&')}'`));
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://x/panel.js">`));
  assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handlers');
  assert.ok(html.includes('<title>T &quot;&lt;b&gt;&quot;</title>'));
  assert.notEqual(newNonce(), nonce);
});
