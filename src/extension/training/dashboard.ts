/**
 * The Training Dashboard: one webview panel, reused, plotting the live run from the trainer's JSON events (uPlot,
 * bundled into the page's script by esbuild). The page says `ready` before the host posts anything, and again
 * whenever VS Code recreates it; it is then sent the whole run so far, so a dashboard opened mid-run (or
 * reopened) shows every step since the start, then each new event as the trainer writes it.
 */
import * as vscode from 'vscode';
import type { DashboardHostMessage, DashboardPageMessage, DashboardRun } from '../webview/dashboardProtocol';
import { createPagePanel } from '../webview/pagePanel';
import type { RunRecord, TrainingRuns } from './trainingRuns';

const BODY = '<main id="dashboard"></main>';

export interface DashboardActions {
  resume(): Promise<unknown>;
  log(line: string): void;
}

/** The run as the page shows it: paths relative to the workspace folder where they are inside it. */
export function dashboardRun(run: RunRecord): DashboardRun {
  const outputDir = run.summary.outputDir ?? run.request.outputDir ?? null;
  return {
    id: run.id,
    label: run.request.resume ? 'Resume training' : 'Train student',
    configFile: vscode.workspace.asRelativePath(run.request.configFile),
    outputDir: outputDir === null ? null : vscode.workspace.asRelativePath(outputDir),
    startedAt: run.startedAt,
  };
}

export class TrainingDashboard implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  /** The run the page shows (another id: the page is sent the new run whole) and how many of its events. */
  private shownRunId = 0;
  private shownEvents = 0;
  /** What the page was sent, for tests: events posted, and CSP violations it reported. */
  readonly posted = { runs: 0, events: 0 };
  readonly cspViolations: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runs: TrainingRuns,
    private readonly actions: DashboardActions,
  ) {
    this.disposables.push(
      runs.subscribe({
        change: (run) => {
          if (!this.ready) return;
          // A new run, or its start event (which names the run's folder): the page gets the run whole.
          if (run.id !== this.shownRunId || (this.shownEvents === 0 && run.events.length > 0)) {
            this.sendRun();
            return;
          }
          const events = run.events.slice(this.shownEvents);
          this.shownEvents = run.events.length;
          this.posted.events += events.length;
          this.post({ type: 'events', runId: run.id, events, summary: run.summary });
        },
      }),
    );
  }

  /** The webview, for tests and screenshots. */
  get webviewPanel(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    this.ready = false;
    const panel = createPagePanel<DashboardPageMessage>(this.extensionUri, {
      viewType: 'miniastrolm.trainingDashboard',
      title: 'Training Dashboard',
      column: vscode.ViewColumn.Active,
      page: 'dashboard',
      // dist/webview/dashboard.css is uPlot's own stylesheet, which esbuild writes beside the page's script.
      styles: ['dist/webview/dashboard.css', 'media/dashboard/dashboard.css'],
      body: BODY,
      icon: 'activity.svg',
      onMessage: (message) => void this.onMessage(message),
      onDispose: () => {
        this.panel = undefined;
        this.ready = false;
      },
      disposables: this.disposables,
    });
    // A hidden page is discarded (its context is not retained): nothing is posted until it loads again and
    // says `ready`, when it is sent the run whole.
    panel.onDidChangeViewState(
      () => {
        if (!panel.visible) this.ready = false;
      },
      null,
      this.disposables,
    );
    this.panel = panel;
  }

  private async onMessage(message: DashboardPageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.sendRun();
        return;
      case 'stop':
        this.runs.stop();
        return;
      case 'resume':
        await this.actions.resume();
        return;
      case 'cspViolation': {
        const text = `${message.directive}: ${message.blocked}`;
        this.cspViolations.push(text);
        this.actions.log(`training dashboard: the page's Content-Security-Policy blocked ${text}`);
        return;
      }
    }
  }

  /** The whole current run, or `empty`. */
  private sendRun(): void {
    const run = this.runs.run;
    if (!this.ready) return;
    if (!run) {
      this.post({ type: 'empty' });
      return;
    }
    this.shownRunId = run.id;
    this.shownEvents = run.events.length;
    this.post({
      type: 'run',
      run: dashboardRun(run),
      summary: run.summary,
      history: run.history,
      events: [...run.events],
    });
    this.posted.runs++;
    this.posted.events += run.events.length;
  }

  private post(message: DashboardHostMessage): void {
    if (this.ready) void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
