/**
 * What the CLI prints: human text (with a progress line on a terminal) on stderr/stdout, or with --json exactly
 * one JSON object on the last stdout line, so scripts can rely on `tail -n 1`, and progress events as JSON lines
 * on stderr (the editor renders them as progress notifications).
 */
import type { IngestEvent } from '../pipeline/ingest/events';

export interface Output {
  readonly json: boolean;
  /** Human-readable line on stdout (suppressed with --json). */
  info(line: string): void;
  /** Progress and warnings on stderr. */
  note(line: string): void;
  /** The command's result: pretty text for people, one JSON line for scripts. */
  result(value: object, human: string): void;
  progress(event: IngestEvent): void;
  /** Ends a transient progress line before other output. */
  endProgress(): void;
}

export function createOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  const live = !json && stderr.isTTY === true;
  let progressShown = false;
  const clearLine = () => {
    if (progressShown) {
      stderr.write('\r\x1b[2K');
      progressShown = false;
    }
  };
  return {
    json,
    info: (line) => {
      if (json) return;
      clearLine();
      stdout.write(`${line}\n`);
    },
    note: (line) => {
      clearLine();
      stderr.write(`${line}\n`);
    },
    result: (value, human) => {
      clearLine();
      stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
    },
    progress: (event) => {
      // Scripts and the editor read progress as JSON lines on stderr; stdout stays for the result.
      if (json) {
        stderr.write(`${JSON.stringify(event)}\n`);
        return;
      }
      const text = describeProgress(event);
      if (text === null) return;
      if (live && (event.type === 'page' || event.type === 'wait')) {
        stderr.write(`\r\x1b[2K${text}`);
        progressShown = true;
      } else if (event.type !== 'wait') {
        clearLine();
        stderr.write(`${text}\n`);
      }
    },
    endProgress: clearLine,
  };
}

function bar(position: number, target: number | null, width = 28): string {
  if (!target) return '';
  const fraction = Math.max(0, Math.min(1, position / target));
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
}

export function describeProgress(event: IngestEvent): string | null {
  switch (event.type) {
    case 'start':
      return event.resumed
        ? `Resuming ${event.source} run at ${event.position}${event.target ? ` of ${event.target}` : ''}.`
        : `Starting ${event.source} run${event.target ? ` (up to ${event.target})` : ''}.`;
    case 'page':
      return `${bar(event.position, event.target)}${event.position}${event.target ? `/${event.target}` : ''} records${event.note ? `, ${event.note}` : `, +${event.stored} stored`}`;
    case 'retry':
      return `retry ${event.attempt} in ${(event.waitMs / 1000).toFixed(1)} s: ${event.reason}`;
    case 'wait':
      return null;
    case 'skipped':
      return `skipped line ${event.line}: ${event.reason}`;
  }
}
