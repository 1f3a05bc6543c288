/** The extension's settings, read in one place; paths resolve against the first workspace folder. */
import path from 'node:path';
import * as vscode from 'vscode';
import type { GenerationSettings } from '../engine/protocol';

export type ExplainWith = 'auto' | 'student' | 'teacher';

export interface EndpointSetting {
  /** Empty: OPENAI_BASE_URL, else OpenAI. */
  baseUrl: string | null;
  /** Empty: configs/pipeline.yaml's model. */
  model: string | null;
}

export interface ExtensionSettings {
  databasePath: string;
  arxivApiUrl: string;
  requestDelayMs: number;
  /** An export folder, an HF GPT-2 folder, a checkpoint, or a training run folder (its newest checkpoint). */
  studentModel: string;
  explainWith: ExplainWith;
  teacher: EndpointSetting;
  /** null: no judge for explanations made in the editor. */
  judge: EndpointSetting | null;
  generation: GenerationSettings;
  hoverEnabled: boolean;
  codeLensEnabled: boolean;
  /** Fetch abstracts the database lacks from arXiv (politely) when a citation or id needs one. */
  fetchMissingAbstracts: boolean;
  engineIdleMinutes: number;
}

const nonBlank = (value: string | undefined | null): string | null => (value?.trim() ? value.trim() : null);

export function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function readSettings(): ExtensionSettings {
  const config = vscode.workspace.getConfiguration('miniastrolm');
  const folder = workspaceFolder();
  const dbSetting = config.get<string>('databasePath', '.miniastrolm/astro.db');
  if (!folder && !path.isAbsolute(dbSetting)) {
    throw new Error('Open a workspace folder first: MiniAstroLM keeps its database inside the workspace.');
  }
  const maxNew = config.get<number | null>('generation.maxNewTokens', null);
  const judgeModel = nonBlank(config.get<string>('judge.model', ''));
  const judgeUrl = nonBlank(config.get<string>('judge.baseUrl', ''));
  return {
    databasePath: resolveInWorkspace(dbSetting, folder),
    arxivApiUrl: config.get<string>('arxivApiUrl', 'https://export.arxiv.org/api/query'),
    requestDelayMs: config.get<number>('requestDelayMs', 3000),
    // Empty means "find one" (src/extension/nodeRuntime.ts); until that is wired in, `node` on PATH.
    studentModel: resolveInWorkspace(config.get<string>('studentModel', '.miniastrolm/runs/student'), folder),
    explainWith: config.get<ExplainWith>('explainWith', 'auto'),
    teacher: {
      baseUrl: nonBlank(config.get<string>('teacher.baseUrl', '')),
      model: nonBlank(config.get<string>('teacher.model', '')),
    },
    judge: config.get<boolean>('judge.enabled', false) ? { baseUrl: judgeUrl, model: judgeModel } : null,
    generation: {
      maxNewTokens: typeof maxNew === 'number' && maxNew > 0 ? Math.floor(maxNew) : null,
      minNewTokens: Math.max(0, Math.floor(config.get<number>('generation.minNewTokens', 0))),
      repetitionPenalty: config.get<number>('generation.repetitionPenalty', 1),
      noRepeatNgramSize: Math.max(0, Math.floor(config.get<number>('generation.noRepeatNgramSize', 0))),
    },
    hoverEnabled: config.get<boolean>('hover.enabled', true),
    codeLensEnabled: config.get<boolean>('codeLens.enabled', true),
    fetchMissingAbstracts: config.get<boolean>('fetchMissingAbstracts', false),
    engineIdleMinutes: config.get<number>('engine.idleMinutes', 10),
  };
}

function resolveInWorkspace(setting: string, folder: string | undefined): string {
  return path.isAbsolute(setting) ? setting : path.join(folder ?? '', setting);
}

export interface TrainingSettings {
  /** The training config the "Train student" task uses (miniastrolm.trainConfig), absolute. */
  configFile: string;
  /** Where the tree of runs looks (miniastrolm.runsFolder), absolute. */
  runsFolder: string;
}

export function readTrainingSettings(): TrainingSettings {
  const config = vscode.workspace.getConfiguration('miniastrolm');
  const folder = workspaceFolder();
  return {
    configFile: resolveInWorkspace(config.get<string>('trainConfig', 'configs/student_train.yaml'), folder),
    runsFolder: resolveInWorkspace(config.get<string>('runsFolder', '.miniastrolm/runs'), folder),
  };
}
