/**
 * The training dashboard's message protocol: the one file of types that the extension host (training/dashboard.ts)
 * and the page (media/dashboard/main.ts) both import. The page speaks first (`ready`) and the host posts nothing
 * before it; then the host replays the run so far (`run`, with every event) and posts each new event as it comes.
 * The events are the trainer's own (src/student/train/events.ts): one schema from the trainer to the chart.
 */
import type { TrainEvent } from '../../student/train/events';
import type { RunHistory, RunSummary } from '../training/runSummary';

export interface DashboardRun {
  /** A new id means a new run: the page clears its charts. */
  id: number;
  /** "Train student" or "Resume training". */
  label: string;
  configFile: string;
  /** The run's folder once the trainer named it (its start event), else what the request asked for. */
  outputDir: string | null;
  startedAt: number;
}

export type DashboardHostMessage =
  /** No run since the editor started. */
  | { type: 'empty' }
  /** The whole run so far (a resumed run: after the losses before it): the page (re)draws everything from it. */
  | { type: 'run'; run: DashboardRun; summary: RunSummary; history: RunHistory | null; events: TrainEvent[] }
  /** New events of run `runId` (none when only the summary changed: a stop request, the exit) and the summary. */
  | { type: 'events'; runId: number; events: TrainEvent[]; summary: RunSummary };

export type DashboardPageMessage =
  | { type: 'ready' }
  /** The Stop button: SIGTERM, the trainer checkpoints. */
  | { type: 'stop' }
  /** The Resume button of a stopped run. */
  | { type: 'resume' }
  /** The page's Content-Security-Policy blocked something (reported so that it shows in the log and tests). */
  | { type: 'cspViolation'; directive: string; blocked: string };
