// The extension in a real VS Code extension host, offline: code-server (installed from the npm registry into
// .vscode-test/ on first use, see codeServer.ts) installs this checkout's VSIX (npm run package), serves the
// workbench, and a headless Chromium opens it with the installed extension as the extension under development and
// suite/index.ts as its extension tests (VS Code's own extensionDevelopmentPath / extensionTestsPath), and the workbench hands back the suite's exit code through
// `codeAutomationExit`, as @vscode/test-web does. The workspace is what a user has: an AASTeX paper, its .bib,
// notes in Markdown, the demo's student, a teacher endpoint (loopback). While the suite runs, the browser takes
// the screenshots it asks for (out/screenshots/); afterwards the files the commands wrote are checked from outside.
// Needs dist/ (npm run build) and Chromium (apt-get install chromium; or CHROMIUM_PATH). First run: ~1-2 min to
// install code-server and train the demo student; then about a minute. MINIASTROLM_SKIP_EXTENSION_HOST=1 skips it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import * as esbuild from 'esbuild';
import { chromium, type Frame, type Page } from 'playwright-core';
import { latexToText } from '../../src/pipeline/latex';
import { sha256File } from '../../src/student/train/checkpoint';
import { startArxivServer } from '../helpers/arxivServer';
import { cliPath, runCli } from '../helpers/cli';
import { syntheticPapers } from '../helpers/feeds';
import { startOpenAiServer } from '../helpers/openaiServer';
import { fixtureAbstract, goodAnswer, happyHandler, paperIdOf } from '../helpers/supervision';
import { tempDir } from '../helpers/tmp';
import { ensurePackagedVsix } from '../helpers/vsix';
import { ensureCodeServer, repoRoot, startCodeServer } from './codeServer';
import {
  PARAMS_ENV,
  type PageAction,
  type ShotAnswer,
  type ShotRequest,
  type SuiteParams,
  type SuiteResult,
} from './protocol';
import { startReferenceRun, writeTrainingFixture } from './trainingFixture';

function findChromium(): string | null {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) return fromEnv;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
      if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
    }
  }
  return null;
}

function filesNamed(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f));
}

const SAMPLE = path.join(repoRoot, 'samples', 'astro-ph-sample.atom.xml');
const DEMO_CONFIG = path.join(repoRoot, 'samples', 'demo_train.yaml');
const DEMO_ROWS = path.join(repoRoot, 'samples', 'demo-curated.jsonl');
/** Screenshots and webview text the suite asked for, kept after the run as test artifacts. */
export const artifactsDir = path.join(repoRoot, 'out', 'screenshots');

const demoRow = JSON.parse(readFileSync(DEMO_ROWS, 'utf8').split('\n')[0]!) as {
  id: string;
  abstract: string;
};

/** An AASTeX paper whose abstract is the demo abstract, with markup the model must not see. */
function texPaper(): string {
  const [first, ...rest] = demoRow.abstract.split('. ');
  return String.raw`\documentclass[twocolumn]{aastex631}
\begin{document}
\title{Dust trapping in pressure bumps and the origin of rings in protoplanetary discs}
\author{A. Observer}
\begin{abstract}
${first}.
% a comment line the model must not read
${rest.join('. ')}\footnote{Submitted to \apj.}
\end{abstract}
\section{Introduction}
Rings are common in discs \citep[e.g.][]{smith2020}, and some models \citet{evil2024} disagree.
\end{document}
`;
}

const HOSTILE = '<script>window.pwned = 1</script></div><img src=x onerror=alert(1)> **not bold**';

/** A letter whose references are its own thebibliography, as a .bbl pasted into an arXiv source has them. */
function letterPaper(arxivId: string): string {
  return String.raw`\documentclass{aastex631}
\begin{document}
\title{Winds from super-Eddington discs}
Photon trapping advects energy inward \citep{Wu2025}, as in the standard solar model of \citet{Ulrich1970}.
\input{sections/method}
\begin{thebibliography}{}
\bibitem[{Wu} {et~al.}(2025)]{Wu2025} Wu X., Li Y., 2025, \apj, 980, 12, arXiv:${arxivId}
\bibitem[{Ulrich}(1970)]{Ulrich1970} Ulrich R.~K., 1970, \apj, 162, 993
\end{thebibliography}
\end{document}
`;
}

function bibFile(citedAbstract: string): string {
  return `@article{smith2020,
  title = {Dust rings in the disc around {HD} 163296},
  author = {Smith, Anna and Jones, Bo},
  year = {2020},
  abstract = {${citedAbstract}},
}

@misc{evil2024,
  title = {Hostile text},
  author = {Mallory, M.},
  year = {2024},
  abstract = {${HOSTILE}},
}
`;
}

/** The demo's student (samples/demo_train.yaml), trained once and kept under .vscode-test/ between runs. */
function demoStudent(): string {
  const hash = createHash('sha256')
    .update(readFileSync(DEMO_CONFIG))
    .update(readFileSync(DEMO_ROWS))
    .digest('hex')
    .slice(0, 12);
  const dir = path.join(repoRoot, '.vscode-test', `demo-student-${hash}`);
  if (!existsSync(path.join(dir, 'TRAINED'))) {
    rmSync(dir, { recursive: true, force: true });
    const trained = spawnSync(
      process.execPath,
      [cliPath, 'train', '--config', DEMO_CONFIG, '--out', dir, '--json'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    assert.equal(trained.status, 0, trained.stderr);
    writeFileSync(path.join(dir, 'TRAINED'), 'samples/demo_train.yaml\n');
  }
  return dir;
}

function hostEnv(tmp: string, paramsFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|MINIASTROLM_|OPENAI_)/i.test(key)) env[key] = value;
  }
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${env['PATH'] ?? ''}`,
    EXTENSIONS_GALLERY: '{}', // no marketplace: nothing to ask the network for
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
    [PARAMS_ENV]: paramsFile,
  };
}

/** Installs the VSIX with code-server's own --install-extension and returns the installed extension's folder. */
function installVsix(
  entry: string,
  vsix: string,
  dirs: { userDataDir: string; extensionsDir: string; configFile: string; env: NodeJS.ProcessEnv },
): string {
  const run = spawnSync(
    process.execPath,
    [
      entry,
      `--user-data-dir=${dirs.userDataDir}`,
      `--extensions-dir=${dirs.extensionsDir}`,
      `--config=${dirs.configFile}`,
      '--install-extension',
      vsix,
    ],
    { env: dirs.env, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(
    run.status,
    0,
    `code-server --install-extension ${vsix} failed:\n${run.stdout}\n${run.stderr}`,
  );
  const folder = readdirSync(dirs.extensionsDir).find((name) => name.startsWith('miniastrolm.miniastrolm-'));
  assert.ok(folder, `no miniastrolm.miniastrolm-* folder in ${dirs.extensionsDir}: ${run.stdout}`);
  return path.join(dirs.extensionsDir, folder);
}

/** The slice of a page's DOM that the screenshot loop reads. */
interface PageDocument {
  getElementById(id: string): { textContent: string | null; innerHTML: string } | null;
}

/** Waits (up to 10 s) until a webview frame shows text in element `id`: a new page loads after it is posted to. */
async function webviewFilled(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    for (const frame of page.frames()) {
      const text = await frame
        .evaluate(
          (elementId) =>
            (globalThis as unknown as { document: PageDocument }).document.getElementById(elementId)
              ?.textContent ?? '',
          id,
        )
        .catch(() => '');
      if (text.trim()) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The frame (a webview's page) that holds element `id`. */
async function frameWith(page: Page, id: string): Promise<Frame> {
  for (let i = 0; i < 100; i++) {
    for (const frame of page.frames()) {
      const found = await frame
        .evaluate(
          (elementId) =>
            Boolean((globalThis as unknown as { document: PageDocument }).document.getElementById(elementId)),
          id,
        )
        .catch(() => false);
      if (found) return frame;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no webview page shows #${id}`);
}

/** Clicks, typing and key presses in a webview page, as a person would do them. */
async function actInWebview(page: Page, id: string, actions: PageAction[]): Promise<void> {
  const frame = await frameWith(page, id);
  for (const action of actions) {
    if ('click' in action) await frame.locator(action.click).first().click({ timeout: 10_000 });
    else if ('fill' in action) await frame.locator(action.fill).fill(action.text, { timeout: 10_000 });
    else if ('press' in action) await frame.locator(action.on).press(action.press, { timeout: 10_000 });
    else if (action.text !== undefined)
      await frame.locator(action.waitFor, { hasText: action.text }).first().waitFor();
    else await frame.locator(action.waitFor).first().waitFor();
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Answers the suite's screenshot requests until `done` resolves. */
async function serveScreenshots(page: Page, shotsDir: string, done: Promise<unknown>): Promise<string[]> {
  const taken: string[] = [];
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  for (let n = 1; !finished; ) {
    const request = path.join(shotsDir, `request-${n}.json`);
    if (!existsSync(request)) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    const shot = JSON.parse(readFileSync(request, 'utf8')) as ShotRequest;
    if (shot.webviewElement) await webviewFilled(page, shot.webviewElement);
    let actionError: string | undefined;
    if (shot.webviewElement && shot.actions) {
      await actInWebview(page, shot.webviewElement, shot.actions).catch((error: unknown) => {
        actionError = error instanceof Error ? error.message.split('\n')[0] : String(error);
      });
    }
    await new Promise((r) => setTimeout(r, 700)); // let the workbench paint
    const file = path.join(artifactsDir, `${shot.name}.png`);
    await page.screenshot({ path: file });
    taken.push(file);
    const answer: ShotAnswer = { file, ...(actionError ? { error: actionError } : {}) };
    if (shot.webviewElement) {
      answer.webview = null;
      for (const frame of page.frames()) {
        const found = await frame
          .evaluate((id) => {
            // Runs in the page: the DOM exists there, though this file is compiled without its types.
            const page = globalThis as unknown as { document: PageDocument; pwned?: unknown };
            const node = page.document.getElementById(id);
            return node
              ? { text: node.textContent ?? '', html: node.innerHTML, pwned: page.pwned !== undefined }
              : null;
          }, shot.webviewElement)
          .catch(() => null);
        if (found) {
          answer.webview = found;
          writeFileSync(path.join(artifactsDir, `${shot.name}.html.txt`), found.html);
          break;
        }
      }
    }
    writeFileSync(path.join(shotsDir, `done-${n}.json`), JSON.stringify(answer));
    n++;
  }
  return taken;
}

const skip = process.env['MINIASTROLM_SKIP_EXTENSION_HOST'] === '1' && 'MINIASTROLM_SKIP_EXTENSION_HOST=1';

test('the extension in a real VS Code extension host (code-server)', {
  skip,
  timeout: 15 * 60_000,
}, async (t) => {
  const chromiumPath = findChromium();
  assert.ok(chromiumPath, 'Chromium not found: apt-get install chromium (or set CHROMIUM_PATH)');
  assert.ok(
    existsSync(path.join(repoRoot, 'dist', 'extension.js')),
    'run `npm run build` first (npm test does)',
  );
  const entry = await ensureCodeServer((line) => console.error(`[code-server install] ${line}`));

  const tmp = tempDir(t, 'mal-exthost-');
  const workspace = path.join(tmp, 'workspace');
  const texFile = path.join(workspace, 'paper.tex');
  const bib = path.join(workspace, 'refs.bib');
  const markdownFile = path.join(workspace, 'notes.md');
  const database = path.join(workspace, '.miniastrolm', 'astro.db'); // the default setting's place
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  const tex = texPaper();
  writeFileSync(texFile, tex);
  writeFileSync(bib, bibFile(fixtureAbstract));
  const arxivId = '2501.99001';
  writeFileSync(markdownFile, `# Reading list\n\n- arXiv:${arxivId}v2 — to read this week\n`);
  const letterFile = path.join(workspace, 'letter.tex');
  writeFileSync(letterFile, letterPaper(arxivId));
  // A part of the letter, pulled in by its \input: its citations resolve through the letter's list.
  const letterPartFile = path.join(workspace, 'sections', 'method.tex');
  mkdirSync(path.dirname(letterPartFile));
  writeFileSync(letterPartFile, '\\section{Method}\nWe follow \\citet{Wu2025} in trapping photons.\n');
  // The reference list BibTeX wrote for an arXiv source, opened on its own.
  const bblFile = path.join(workspace, 'source.bbl');
  writeFileSync(
    bblFile,
    `\\begin{thebibliography}{1}\n\\bibitem[{{Vance} et~al.(2025)}]{vance25}\nVance R., 2025, \\mnras, 530, 1, arXiv:${arxivId}\n\\end{thebibliography}\n`,
  );
  const training = writeTrainingFixture(workspace);
  // Trained by the CLI while VS Code starts: the weights the editor's stopped-and-resumed run must end on.
  const referenceRun = startReferenceRun(workspace, training, path.join(tmp, 'reference-run'));
  const shotsDir = path.join(tmp, 'shots');
  mkdirSync(shotsDir);
  rmSync(artifactsDir, { recursive: true, force: true });
  mkdirSync(artifactsDir, { recursive: true });

  // A fake arXiv API and a teacher that accepts only the key the suite types into "Set API key".
  const arxiv = await startArxivServer(syntheticPapers(3));
  t.after(() => arxiv.close());
  // Slow for the hostile entry, so the suite can kill the engine while it waits.
  const teacher = await startOpenAiServer((call) =>
    paperIdOf(call) === 'bib:evil2024'
      ? { kind: 'answer', content: goodAnswer('bib:evil2024'), delayMs: 8000 }
      : happyHandler(call),
  );
  t.after(() => teacher.close());
  const apiKey = `sk-test-${randomUUID()}`;
  teacher.apiKey = apiKey;
  const workspaceSettings = {
    'miniastrolm.arxivApiUrl': arxiv.apiUrl,
    'miniastrolm.requestDelayMs': 0,
    'miniastrolm.teacher.baseUrl': teacher.baseUrl,
    'miniastrolm.teacher.model': 'teacher-model',
    'miniastrolm.trainConfig': training.config,
  };
  writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings, null, 2));

  // The demo's student at the default setting's place; what the CLI says for the abstract is the expectation.
  const studentDir = path.join(workspace, '.miniastrolm', 'runs', 'student');
  cpSync(demoStudent(), studentDir, { recursive: true });
  const abstract = latexToText(
    tex.slice(tex.indexOf('\\begin{abstract}') + 16, tex.indexOf('\\end{abstract}')),
  );
  const explained = spawnSync(process.execPath, [cliPath, 'explain', '--model', studentDir, '--json'], {
    input: abstract,
    encoding: 'utf8',
  });
  assert.equal(explained.status, 0, explained.stderr);
  const explain = JSON.parse(explained.stdout.trim().split('\n').pop()!) as SuiteParams['explain'];
  const sampleRun = await runCli(['import', SAMPLE, '--db', path.join(tmp, 'expected.db'), '--json']);
  assert.equal(sampleRun.code, 0, sampleRun.stderr);
  const sampleImport = sampleRun.json as SuiteParams['sampleImport'];

  const userDataDir = path.join(tmp, 'user-data');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  const userSettings = {
    'workbench.startupEditor': 'none',
    'workbench.enableExperiments': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
    'editor.hover.delay': 100,
    'window.zoomLevel': 0,
  };
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  const configFile = path.join(tmp, 'code-server.yaml');
  writeFileSync(configFile, '');

  const params: SuiteParams = {
    resultFile: path.join(tmp, 'result.json'),
    workspace,
    sampleFile: SAMPLE,
    sampleImport,
    texFile,
    abstract,
    citeKey: 'smith2020',
    bibFile: bib,
    citedAbstract: latexToText(fixtureAbstract),
    hostileKey: 'evil2024',
    hostileAbstract: HOSTILE,
    markdownFile,
    arxivId,
    letterFile,
    letterPartFile,
    bblFile,
    listedKey: 'Wu2025',
    noIdKey: 'Ulrich1970',
    explain,
    fetch: { query: 'cat:astro-ph.GA', max: 3, papers: 3 },
    apiKey,
    wrongApiKey: 'sk-wrong-key',
    shotsDir,
    training,
  };
  const paramsFile = path.join(tmp, 'params.json');
  writeFileSync(paramsFile, JSON.stringify(params, null, 2));

  const env = hostEnv(tmp, paramsFile);
  // The extension as users get it: the VSIX of this checkout, installed by code-server. A file missing from the
  // package fails the steps that need it.
  const extensionsDir = path.join(tmp, 'extensions');
  const installed = installVsix(entry, await ensurePackagedVsix(), {
    userDataDir,
    extensionsDir,
    configFile,
    env,
  });
  // The suite, bundled inside the installed extension's folder so that it shares the extension's `vscode` API.
  const suiteFile = path.join(installed, 'out', 'extension-host', 'suite.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'suite', 'index.ts')],
    outfile: suiteFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    logLevel: 'warning',
  });
  const server = await startCodeServer({ entry, userDataDir, extensionsDir, configFile, env });
  t.after(() => server.stop());

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    env: { ...env, HOME: tmp }, // its crash-report settings and dconf files go to the temp folder too
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const browserErrors: string[] = [];
  const consoleLines: string[] = [];
  page.on('console', (m) => {
    consoleLines.push(`[${m.type()}] ${m.text().slice(0, 1000)}`);
    if (m.type() === 'error') browserErrors.push(m.text().slice(0, 500));
  });
  t.after(() =>
    writeFileSync(path.join(artifactsDir, 'browser-console.txt'), `${consoleLines.join('\n')}\n`),
  );
  page.on('pageerror', (e) => browserErrors.push(String(e).slice(0, 500)));
  let exited: (code: number) => void = () => {};
  const exitCode = new Promise<number>((resolve) => {
    exited = resolve;
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));

  const remote = (p: string) => `vscode-remote://${server.authority}${p}`;
  const payload = [
    // The installed folder as the development path: VS Code runs extension tests only in development mode.
    ['extensionDevelopmentPath', remote(installed)],
    ['extensionTestsPath', remote(suiteFile)],
  ];
  const started = Date.now();
  await page.goto(
    `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
  );
  let timer: NodeJS.Timeout | undefined;
  const finished = Promise.race([
    exitCode,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 6 * 60_000);
    }),
  ]);
  const shots = serveScreenshots(page, shotsDir, finished);
  const code = await finished;
  clearTimeout(timer);
  await shots;
  t.diagnostic(`workbench + extension tests: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code}`);

  const logsDir = path.join(userDataDir, 'logs');
  const hostLog = filesNamed(logsDir, 'remoteexthost.log')
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const evidence = () =>
    [
      `extension host log (tail):\n${hostLog.slice(-4000)}`,
      `browser errors:\n${browserErrors.slice(-20).join('\n')}`,
      `code-server output (tail):\n${server.output().slice(-3000)}`,
    ].join('\n\n');
  assert.ok(existsSync(params.resultFile), `the suite wrote no result (exit ${code})\n${evidence()}`);
  const result = JSON.parse(readFileSync(params.resultFile, 'utf8')) as SuiteResult;

  // The suite writes its result after its last step, so every step below ran.
  for (const step of result.steps) {
    await t.test(`in the extension host: ${step.name}`, (st) => {
      st.diagnostic(`${step.ms} ms`);
      if (!step.ok) assert.fail(`${step.error}\n\nnotifications: ${JSON.stringify(result.messages)}`);
    });
  }
  assert.equal(code, result.steps.every((s) => s.ok) ? 0 : 1, `exit code\n${evidence()}`);
  const sorted = [...result.cachedHoverMs].sort((a, b) => a - b);
  t.diagnostic(`cached hover round trip: median ${sorted[sorted.length >> 1]} ms over ${sorted.length}`);

  await t.test(
    'the database the commands wrote holds the sample, the fetched papers and the teacher row',
    () => {
      const db = new Database(database, { readonly: true, fileMustExist: true });
      try {
        const ids = (db.prepare('SELECT id FROM papers').all() as { id: string }[]).map((r) => r.id);
        for (const paper of syntheticPapers(3)) assert.ok(ids.includes(paper.id), `${paper.id} not stored`);
        assert.ok(ids.includes('bib:smith2020'), ids.join(' '));
        const row = db.prepare("SELECT status FROM supervision WHERE paper_id = 'bib:smith2020'").get() as
          | { status: string }
          | undefined;
        assert.equal(row?.status, 'validated', 'the teacher explanation made in the editor is supervision');
        const decision = db
          .prepare("SELECT decision, explanation FROM human_decisions WHERE paper_id = 'bib:smith2020'")
          .get() as { decision: string; explanation: string } | undefined;
        assert.equal(decision?.decision, 'accept', 'the curation view stored the edit as a decision');
        assert.match(decision?.explanation ?? '', /^Newly formed stars/);
      } finally {
        db.close();
      }
    },
  );

  await t.test('the teacher was called with the key from SecretStorage; the key is in no file', () => {
    const chats = teacher.requests.filter((r) => r.path.endsWith('/chat/completions'));
    assert.ok(chats.length >= 1, 'the teacher was asked');
    // The wrong key was tried once: the hovers after its 401 showed the failure and asked nothing more.
    const wrong = chats.filter((r) => r.authorization === 'Bearer sk-wrong-key');
    assert.equal(wrong.length, 1, `${wrong.length} requests with the wrong key`);
    for (const request of chats.filter((r) => !wrong.includes(r))) {
      assert.equal(request.authorization, `Bearer ${apiKey}`);
    }
    const files = [
      ...filesNamed(userDataDir, '.json'),
      ...filesNamed(userDataDir, '.log'),
      ...filesNamed(workspace, ''),
    ].filter((f) => !f.includes(`${path.sep}extensions${path.sep}`) && statSync(f).isFile());
    for (const file of files) {
      assert.ok(!readFileSync(file).includes(apiKey), `${file} holds the API key`);
    }
  });

  await t.test('the fetch went to the API in the workspace settings, with the query typed in', () => {
    assert.ok(arxiv.requests.length >= 1);
    for (const request of arxiv.requests) {
      assert.equal(request.path, '/api/query');
      assert.equal(request.params.get('search_query'), params.fetch.query);
      assert.match(request.userAgent ?? '', /MiniAstroLM/i);
    }
  });

  await t.test('the "MiniAstroLM" output channel logged the CLI runs and the engine', () => {
    const [channel] = filesNamed(logsDir, 'MiniAstroLM.log');
    assert.ok(channel, `no output channel log under ${logsDir}`);
    const text = readFileSync(channel, 'utf8');
    const cli = path.join(installed, 'dist', 'cli.js');
    assert.ok(text.includes(`${cli} import ${SAMPLE} --db ${database} --json`), text);
    assert.ok(text.includes(`${cli} fetch --query ${params.fetch.query} --max ${params.fetch.max}`), text);
    assert.ok(text.includes(`starting the engine: `), text);
    assert.match(text, /the engine stopped \(killed by SIGKILL\)/);
  });

  await t.test('screenshots of the hover and the panel were saved as test artifacts', () => {
    for (const name of [
      'hover-abstract',
      'hover-citation',
      'panel',
      'panel-hostile',
      'panel-teacher',
      'curation',
      'curation-stats',
      'walkthrough',
      'dashboard',
      'dashboard-done',
      'terminal-stopped',
      'config-error',
      'runs-tree',
    ]) {
      const file = path.join(artifactsDir, `${name}.png`);
      assert.ok(existsSync(file), `${name}.png missing`);
      const png = readFileSync(file);
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      assert.equal(png.readUInt32BE(16), 1400, 'width');
      assert.ok(png.length > 20_000, `${name}.png is suspiciously small (${png.length} bytes)`);
    }
  });

  await t.test('the runs the editor trained end on the weights of an uninterrupted CLI run', async () => {
    const reference = await referenceRun;
    assert.equal(reference.code, 0, reference.stderr);
    const done = JSON.parse(reference.stdout.trim().split('\n').pop()!) as { weightsSha256: string };
    const final = `checkpoint-${training.maxSteps}`;
    for (const run of [training.out, training.resumedOut]) {
      const weights = path.join(workspace, run, final, 'model.safetensors');
      assert.equal(
        sha256File(weights),
        done.weightsSha256,
        `${run} (stopped and resumed: ${run === training.resumedOut})`,
      );
    }
  });

  // Stopped here (not only in after-hooks, which may run after the temp folder's removal): the extension host's
  // children (the engine) must not be writing into the workspace while it is removed.
  await browser.close();
  await server.stop();

  await t.test('the settings changed during the test were put back', () => {
    const saved = JSON.parse(readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8'));
    assert.deepEqual(saved, workspaceSettings);
  });
});
