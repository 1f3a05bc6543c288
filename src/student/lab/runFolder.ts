/**
 * Where an experiment writes: `<runs>/<name>-<timestamp>/` holding config.json (everything the run used, paths
 * resolved), one training folder and events-<label>.jsonl per training run, outputs-<label>.jsonl per decoding
 * (rows `eval --outputs` reads), report.md and the figures. The clock is a parameter, so tests name folders.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RunFolder {
  readonly dir: string;
  /** A path inside the folder. */
  file(name: string): string;
  writeJson(name: string, value: unknown): string;
  writeText(name: string, text: string): string;
  /** Appends one JSON line (events, outputs). */
  appendJsonLine(name: string, value: unknown): void;
}

/** 20250103-141502 (UTC): sortable, and safe in every file system. */
export function timestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

export function createRunFolder(runsDir: string, name: string, now: Date): RunFolder {
  const stem = path.join(path.resolve(runsDir), `${name}-${timestamp(now)}`);
  // Two runs started in the same second get -2, -3, ...: a run never writes into another's folder.
  let dir = stem;
  for (let i = 2; existsSync(dir); i++) dir = `${stem}-${i}`;
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  return {
    dir,
    file,
    writeJson: (name, value) => {
      writeFileSync(file(name), `${JSON.stringify(value, null, 2)}\n`);
      return file(name);
    },
    writeText: (name, text) => {
      writeFileSync(file(name), text);
      return file(name);
    },
    appendJsonLine: (name, value) => appendFileSync(file(name), `${JSON.stringify(value)}\n`),
  };
}
