/** The few long-lived objects the commands share, built once in activate(). */
import type * as vscode from 'vscode';
import type { CliRunner } from './cliRunner';
import type { CurationViewProvider } from './curationView';
import type { DocumentIndex } from './documentIndex';
import type { EngineClient } from './engineClient';
import type { Explainer } from './explainer';
import type { ExplanationPanel } from './panel';
import type { ApiKeyStore } from './secrets';
import type { TrainingServices } from './training';
import type { WorkspaceState } from './workspaceState';

export interface Services {
  context: vscode.ExtensionContext;
  log: vscode.OutputChannel;
  runner: CliRunner;
  engine: EngineClient;
  explainer: Explainer;
  index: DocumentIndex;
  panel: ExplanationPanel;
  apiKey: ApiKeyStore;
  curation: CurationViewProvider;
  /** What the walkthrough and the views know of the workspace (papers, supervision, a student). */
  state: WorkspaceState;
  /** Training runs, their task, dashboard, tree of runs and config diagnostics. */
  training: TrainingServices;
}

/** A command: built from the services, called with the arguments VS Code passes (hover links pass one). */
export type CommandFactory = (services: Services) => (...args: never[]) => Promise<unknown>;
