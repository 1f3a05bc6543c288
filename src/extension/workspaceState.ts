/**
 * What the workspace holds, as context keys the first-run walkthrough completes its steps on (and views can use):
 * a teacher configured, papers, supervision, a person's decisions, a student model, an explanation seen. Read
 * from real state — the database through the engine, the model folder, SecretStorage — never from clicks. The
 * engine is not started for a workspace that has no database yet.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { Requests, type WorkspaceSummary } from '../engine/protocol';
import type { EngineClient } from './engineClient';
import type { ApiKeyStore } from './secrets';
import { readSettings } from './settings';
import { studentModelExists, teacherConfigured } from './sources';

export const CONTEXT_KEYS = {
  teacherConfigured: 'miniastrolm.teacherConfigured',
  hasPapers: 'miniastrolm.hasPapers',
  hasSupervision: 'miniastrolm.hasSupervision',
  hasDecisions: 'miniastrolm.hasDecisions',
  hasStudent: 'miniastrolm.hasStudent',
  hasExplained: 'miniastrolm.hasExplained',
} as const;

const EXPLAINED_MEMENTO = 'miniastrolm.explainedOnce';
export const WALKTHROUGH = 'miniastrolm.miniastrolm#gettingStarted';

export class WorkspaceState {
  /** The last values set, for tests and the sidebar. */
  readonly values = new Map<string, boolean>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly engine: EngineClient,
    private readonly apiKey: ApiKeyStore,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.OutputChannel,
  ) {}

  /** Recomputes every key (one at a time: a refresh asked for while one runs joins it). */
  refresh(): Promise<void> {
    this.running ??= this.compute().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * Opens the walkthrough with every step's key false first, then recomputes them. VS Code registers a
   * walkthrough's steps when its walkthrough service first starts (lazily, e.g. on this command), and a
   * completion key that is already true at that moment is never counted (1.100: the event is recorded as seen
   * but the step is not progressed); keys that turn true after registration complete their steps.
   */
  async openWalkthrough(): Promise<void> {
    await Promise.all(Object.values(CONTEXT_KEYS).map((key) => this.set(key, false)));
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    await this.refresh();
  }

  /** An explanation reached the user: the walkthrough's last step is done (kept across sessions). */
  async markExplained(): Promise<void> {
    if (this.memento.get<boolean>(EXPLAINED_MEMENTO)) return;
    await this.memento.update(EXPLAINED_MEMENTO, true);
    await this.set(CONTEXT_KEYS.hasExplained, true);
  }

  private async compute(): Promise<void> {
    let settings: ReturnType<typeof readSettings>;
    try {
      settings = readSettings();
    } catch {
      return; // no workspace folder: nothing to describe
    }
    const hasKey = Boolean(await this.apiKey.get());
    let summary: WorkspaceSummary = { papers: 0, supervised: 0, accepted: 0, humanDecisions: 0 };
    if (existsSync(settings.databasePath)) {
      try {
        summary = await this.engine.request(Requests.workspaceSummary, {
          databasePath: settings.databasePath,
        });
      } catch (error) {
        this.log.appendLine(`workspace summary: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await Promise.all([
      this.set(CONTEXT_KEYS.teacherConfigured, teacherConfigured(settings, hasKey)),
      this.set(CONTEXT_KEYS.hasPapers, summary.papers > 0),
      this.set(CONTEXT_KEYS.hasSupervision, summary.supervised > 0),
      this.set(CONTEXT_KEYS.hasDecisions, summary.humanDecisions > 0),
      this.set(CONTEXT_KEYS.hasStudent, studentModelExists(settings.studentModel)),
      this.set(CONTEXT_KEYS.hasExplained, this.memento.get<boolean>(EXPLAINED_MEMENTO) === true),
    ]);
  }

  private async set(key: string, value: boolean): Promise<void> {
    this.values.set(key, value);
    await vscode.commands.executeCommand('setContext', key, value);
  }
}
