/**
 * The Node.js the engine process runs on, for the editor: src/core/findNode.ts does the search (setting, the
 * extension host when it is plain Node, PATH, version managers, install folders) against dist/runtime.json; this
 * file reads the setting, logs what was tried, remembers the answer, and when nothing fits shows a notification
 * that says what was found and why, with buttons that open the setting and Node.js's download page.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import {
  describeNoNode,
  type FindNodeResult,
  findNode,
  readRuntimeRequirement,
  systemNodeEnvironment,
} from '../core/findNode';

export const NODE_PATH_SETTING = 'miniastrolm.nodePath';
export const NODE_DOWNLOAD_URL = 'https://nodejs.org/en/download';
const OPEN_SETTING = 'Open setting';
const INSTALL_NODE = 'Install Node.js';

/** The last Node found, per value of the setting (a changed setting searches again; a failure is not kept). */
let remembered: { setting: string; node: string } | undefined;

/**
 * The path of a Node.js that can run `dist/cli.js` (and the engine) of this extension, or undefined after telling
 * the user why none can (a notification with buttons; it does not wait for them). Searches once per setting value.
 */
export async function resolveEngineNode(
  context: vscode.ExtensionContext,
  log?: vscode.OutputChannel,
): Promise<string | undefined> {
  const setting = vscode.workspace.getConfiguration('miniastrolm').get<string>('nodePath', '').trim();
  if (remembered?.setting === setting) return remembered.node;
  const required = readRuntimeRequirement(path.join(context.extensionPath, 'dist', 'runtime.json'));
  const result = await findNode(systemNodeEnvironment(setting), required);
  logResult(result, log);
  if (!result.found) {
    void offerFixes(describeNoNode(result, required));
    return undefined;
  }
  const settingRejected = result.rejected.find((r) => r.source === 'setting miniastrolm.nodePath');
  if (settingRejected) {
    void vscode.window
      .showWarningMessage(
        `MiniAstroLM: ${NODE_PATH_SETTING} (${settingRejected.path}) is not used: ${settingRejected.reason}. ` +
          `Using ${result.found.path} (Node.js ${result.found.versions.node}) instead.`,
        OPEN_SETTING,
      )
      .then(handleChoice);
  }
  remembered = { setting, node: result.found.path };
  return result.found.path;
}

/** Forget the remembered Node (e.g. after the user installed one). */
export function forgetEngineNode(): void {
  remembered = undefined;
}

function logResult(result: FindNodeResult, log: vscode.OutputChannel | undefined): void {
  if (!log) return;
  for (const r of result.rejected) log.appendLine(`Node.js ${r.path} (${r.source}) not used: ${r.reason}`);
  if (result.found) {
    const { path: file, source, versions } = result.found;
    log.appendLine(
      `engine Node.js: ${file} (${source}), Node ${versions.node}, module ABI ${versions.modules}`,
    );
  }
}

async function offerFixes(message: string): Promise<void> {
  handleChoice(await vscode.window.showErrorMessage(message, OPEN_SETTING, INSTALL_NODE));
}

function handleChoice(choice: string | undefined): void {
  if (choice === OPEN_SETTING) {
    void vscode.commands.executeCommand('workbench.action.openSettings', NODE_PATH_SETTING);
  } else if (choice === INSTALL_NODE) {
    void vscode.env.openExternal(vscode.Uri.parse(NODE_DOWNLOAD_URL));
  }
}
