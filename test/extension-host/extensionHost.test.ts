// The extension in a real VS Code extension host, offline: code-server (installed from the npm registry into
// .vscode-test/ on first use, see codeServer.ts) serves the workbench, a headless Chromium opens it with this
// repository as the extension under development and suite/index.ts as its extension tests (VS Code's own
// extensionDevelopmentPath / extensionTestsPath), and the workbench hands back the suite's exit code through
// `codeAutomationExit`, as @vscode/test-web does. Then the files the commands wrote are checked from outside.
// Needs dist/ (npm run build) and Chromium (apt-get install chromium; or CHROMIUM_PATH). First run: ~1-2 min to
// install code-server; then ~30 s. MINIASTROLM_SKIP_EXTENSION_HOST=1 skips it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { initGpt2Weights, saveGpt2Folder, tinyGpt2Config } from '../../src/student/model';
import { startArxivServer } from '../helpers/arxivServer';
import { cliPath, runCli } from '../helpers/cli';
import { syntheticPapers } from '../helpers/feeds';
import { tempDir } from '../helpers/tmp';
import { ensureCodeServer, repoRoot, startCodeServer } from './codeServer';
import { PARAMS_ENV, type SuiteParams, type SuiteResult } from './protocol';

const SAMPLE = path.join(repoRoot, 'samples', 'astro-ph-sample.atom.xml');
const ABSTRACT = [
  'We report the discovery of a 12 ms pulsar in a binary orbit with a white dwarf, found in archival',
  'radio data. Its orbital decay constrains the emission of gravitational waves.',
].join('\n');
const TEX = `\\documentclass{aastex631}
\\begin{document}
\\title{A millisecond pulsar in archival data}
\\begin{abstract}
${ABSTRACT}
\\end{abstract}
\\section{Introduction}
Pulsars are rotating neutron stars.
\\end{document}
`;

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

/** The environment code-server and its extension host run with: ours, minus npm's and MiniAstroLM's own. */
function hostEnv(tmp: string, paramsFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|MINIASTROLM_)/i.test(key)) env[key] = value;
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

const skip = process.env['MINIASTROLM_SKIP_EXTENSION_HOST'] === '1' && 'MINIASTROLM_SKIP_EXTENSION_HOST=1';

test('the extension in a real VS Code extension host (code-server)', {
  skip,
  timeout: 12 * 60_000,
}, async (t) => {
  const chromiumPath = findChromium();
  assert.ok(chromiumPath, 'Chromium not found: apt-get install chromium (or set CHROMIUM_PATH)');
  assert.ok(
    existsSync(path.join(repoRoot, 'dist', 'extension.js')),
    'run `npm run build` first (npm test does)',
  );
  const entry = await ensureCodeServer((line) => console.error(`[code-server install] ${line}`));

  // The suite, bundled inside the extension's folder so that it shares the extension's `vscode` API object.
  const suiteFile = path.join(repoRoot, 'out', 'extension-host', 'suite.js');
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

  const tmp = tempDir(t, 'mal-exthost-');
  const workspace = path.join(tmp, 'workspace');
  const texFile = path.join(workspace, 'paper.tex');
  const database = path.join(workspace, '.miniastrolm', 'astro.db'); // the default setting's place
  mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  writeFileSync(texFile, TEX);

  // A fake arXiv API, named by the workspace settings (the CLI waits 3 s between requests only for arXiv's hosts).
  const arxiv = await startArxivServer(syntheticPapers(3));
  t.after(() => arxiv.close());
  const workspaceSettings = { 'miniastrolm.arxivApiUrl': arxiv.apiUrl, 'miniastrolm.requestDelayMs': 0 };
  writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings, null, 2));

  // A tiny random student at the default setting's place; what the CLI says for the abstract is the expectation.
  const config = tinyGpt2Config({ vocabSize: 50257, nPositions: 512, initializerRange: 0.3 });
  const studentDir = path.join(workspace, '.miniastrolm', 'runs', 'student');
  saveGpt2Folder(studentDir, config, initGpt2Weights(config, { seed: 5 }));
  const explained = spawnSync(process.execPath, [cliPath, 'explain', '--model', studentDir, '--json'], {
    input: ABSTRACT,
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
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
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
    abstract: ABSTRACT,
    explain,
    fetch: { query: 'cat:astro-ph.GA', max: 3, papers: 3 },
  };
  const paramsFile = path.join(tmp, 'params.json');
  writeFileSync(paramsFile, JSON.stringify(params, null, 2));

  const env = hostEnv(tmp, paramsFile);
  const server = await startCodeServer({
    entry,
    userDataDir,
    extensionsDir: path.join(tmp, 'extensions'),
    configFile,
    env,
  });
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
  const page = await browser.newPage();
  const browserErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') browserErrors.push(m.text().slice(0, 500));
  });
  page.on('pageerror', (e) => browserErrors.push(String(e).slice(0, 500)));
  let exited: (code: number) => void = () => {};
  const exitCode = new Promise<number>((resolve) => {
    exited = resolve;
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));

  const remote = (p: string) => `vscode-remote://${server.authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(repoRoot)],
    ['extensionTestsPath', remote(suiteFile)],
  ];
  const started = Date.now();
  await page.goto(
    `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
  );
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exitCode,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 150_000);
    }),
  ]);
  clearTimeout(timer);
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

  await t.test('the database the commands wrote holds the sample and the fetched papers', () => {
    const db = new Database(database, { readonly: true, fileMustExist: true });
    try {
      const ids = (db.prepare('SELECT id FROM papers').all() as { id: string }[]).map((r) => r.id);
      assert.equal(ids.length, sampleImport.imported + params.fetch.papers);
      for (const paper of syntheticPapers(3)) assert.ok(ids.includes(paper.id), `${paper.id} not stored`);
    } finally {
      db.close();
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

  await t.test('the "MiniAstroLM" output channel logged each CLI run and the statistics', () => {
    const [channel] = filesNamed(logsDir, 'MiniAstroLM.log');
    assert.ok(channel, `no output channel log under ${logsDir}`);
    const text = readFileSync(channel, 'utf8');
    const cli = path.join(repoRoot, 'dist', 'cli.js');
    assert.ok(text.includes(`${cli} import ${SAMPLE} --db ${database} --json`), text);
    assert.ok(text.includes(`${cli} fetch --query ${params.fetch.query} --max ${params.fetch.max}`), text);
    assert.ok(text.includes(`${cli} explain --model ${studentDir} --json`), text);
    assert.ok(text.includes(`"papers": ${sampleImport.imported}`), text);
  });

  await t.test('the setting changed during the test was put back', () => {
    const saved = JSON.parse(readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8'));
    assert.deepEqual(saved, workspaceSettings);
  });
});
