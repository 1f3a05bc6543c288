/** The extension's settings, read in one place; paths resolve against the first workspace folder. */
import path from 'node:path';
import * as vscode from 'vscode';

export interface ExtensionSettings {
  databasePath: string;
  arxivApiUrl: string;
  requestDelayMs: number;
  nodePath: string;
  /** An export folder, an HF GPT-2 folder, a checkpoint, or a training run folder (its newest checkpoint). */
  studentModel: string;
}

export function readSettings(): ExtensionSettings {
  const config = vscode.workspace.getConfiguration('miniastrolm');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dbSetting = config.get<string>('databasePath', '.miniastrolm/astro.db');
  if (!folder && !path.isAbsolute(dbSetting)) {
    throw new Error('Open a workspace folder first: MiniAstroLM keeps its database inside the workspace.');
  }
  return {
    databasePath: resolveInWorkspace(dbSetting, folder),
    arxivApiUrl: config.get<string>('arxivApiUrl', 'https://export.arxiv.org/api/query'),
    requestDelayMs: config.get<number>('requestDelayMs', 3000),
    // Empty means "find one" (src/extension/nodeRuntime.ts); until that is wired in, `node` on PATH.
    nodePath: config.get<string>('nodePath', '') || 'node',
    studentModel: resolveInWorkspace(config.get<string>('studentModel', '.miniastrolm/runs/student'), folder),
  };
}

function resolveInWorkspace(setting: string, folder: string | undefined): string {
  return path.isAbsolute(setting) ? setting : path.join(folder ?? '', setting);
}
