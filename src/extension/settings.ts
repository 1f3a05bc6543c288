/** The extension's settings, read in one place; paths resolve against the first workspace folder. */
import path from 'node:path';
import * as vscode from 'vscode';

export interface ExtensionSettings {
  databasePath: string;
  arxivApiUrl: string;
  requestDelayMs: number;
  nodePath: string;
}

export function readSettings(): ExtensionSettings {
  const config = vscode.workspace.getConfiguration('miniastrolm');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dbSetting = config.get<string>('databasePath', '.miniastrolm/astro.db');
  if (!folder && !path.isAbsolute(dbSetting)) {
    throw new Error('Open a workspace folder first: MiniAstroLM keeps its database inside the workspace.');
  }
  return {
    databasePath: path.isAbsolute(dbSetting) ? dbSetting : path.join(folder ?? '', dbSetting),
    arxivApiUrl: config.get<string>('arxivApiUrl', 'https://export.arxiv.org/api/query'),
    requestDelayMs: config.get<number>('requestDelayMs', 3000),
    nodePath: config.get<string>('nodePath', 'node'),
  };
}
