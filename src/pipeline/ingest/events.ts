/**
 * Progress events of ingest and supervision runs: one schema for the CLI (progress bar or JSON lines) and the
 * editor (progress notifications).
 */
export type IngestEvent =
  | {
      type: 'start';
      source: 'arxiv-api' | 'oai-pmh' | 'import';
      resumed: boolean;
      position: number;
      target: number | null;
    }
  | {
      type: 'page';
      received: number;
      stored: number;
      position: number;
      target: number | null;
      note?: string;
      /** Supervision runs (teach, judge) report these too. */
      accepted?: number;
      costUsd?: number;
    }
  | { type: 'retry'; reason: string; waitMs: number; attempt: number }
  | { type: 'wait'; waitMs: number }
  | { type: 'skipped'; line: number; reason: string };

export type IngestEventSink = (event: IngestEvent) => void;

export const ignoreEvents: IngestEventSink = () => {};
