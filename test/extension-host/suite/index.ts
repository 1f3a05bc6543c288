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
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { PARAMS_ENV, type SuiteParams } from '../protocol';
import { curationSteps, experimentSteps } from './curation';
import { explainSteps } from './explain';
import { EXTENSION_ID, SuiteContext, sleep } from './harness';
import { importSampleStep, ingestSteps } from './ingest';
import { trainingSteps } from './training';

/** Every command package.json contributes; each feature's file adds its own steps. */ const COMMANDS = [
  'miniastrolm.explainAbstract',
  'miniastrolm.explainInPanel',
  'miniastrolm.regenerateWithTeacher',
  'miniastrolm.addToDataset',
  'miniastrolm.fetchMissingAbstract',
  'miniastrolm.setApiKey',
  'miniastrolm.fetchAbstracts',
  'miniastrolm.importAbstracts',
  'miniastrolm.showDatabaseStats',
  'miniastrolm.runTeacher',
  'miniastrolm.exportDataset',
  'miniastrolm.importSample',
  'miniastrolm.refreshCuration',
  'miniastrolm.openWalkthrough',
  'miniastrolm.runExperiment',
  'miniastrolm.trainStudent',
  'miniastrolm.resumeTraining',
  'miniastrolm.openTrainingDashboard',
  'miniastrolm.stopTraining',
  'miniastrolm.runs.explainWith',
  'miniastrolm.runs.export',
  'miniastrolm.runs.delete',
  'miniastrolm.runs.refresh',
];

export async function run(): Promise<void> {
  const params = JSON.parse(readFileSync(process.env[PARAMS_ENV] ?? '', 'utf8')) as SuiteParams;
  const s = new SuiteContext(params);
  await s.step(
    'a workspace with .tex files activates the extension; every command is registered',
    async () => {
      assert.ok(s.extension, `${EXTENSION_ID} is not loaded`);
      const contributed = (s.extension!.packageJSON.contributes.commands as { command: string }[]).map(
        (c) => c.command,
      );
      assert.deepEqual(contributed.sort(), [...COMMANDS].sort());
      for (let i = 0; i < 100 && !s.extension!.isActive; i++) await sleep(100);
      assert.equal(s.extension!.isActive, true, 'activated by workspaceContains:**/*.tex');
      const registered = await vscode.commands.getCommands(true);
      for (const id of COMMANDS) assert.ok(registered.includes(id), `${id} is not registered`);
      assert.equal(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, params.workspace);
    },
  );

  await importSampleStep(s);
  await explainSteps(s);
  await curationSteps(s);
  await experimentSteps(s);
  await ingestSteps(s);
  await trainingSteps(s);

  s.restore();
  writeFileSync(params.resultFile, `${JSON.stringify(s.result, null, 2)}\n`);
  const failed = s.result.steps.filter((step) => !step.ok);
  if (failed.length) throw new Error(`${failed.length} extension-host step(s) failed: ${failed[0]!.name}`);
}
