/**
 * Supervision benchmark: 1000 papers through teacher → validators → judge against the loopback OpenAI server with
 * 50 ms latency per call, concurrency 8, through the real `openai` package and with every call stored in SQLite.
 * That is 2000 calls; the floor set by latency alone is 2000 × 50 ms / 8 = 12.5 s. Goal: ≤ 15 s end to end. The
 * server runs in a child process, as a real endpoint runs elsewhere.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/core/clock';
import { openDatabase } from '../src/pipeline/store/database';
import { PaperStore } from '../src/pipeline/store/papers';
import { createLlmClient, endpointFromEnv } from '../src/pipeline/supervise/llm/openaiClient';
import { loadPromptSet } from '../src/pipeline/supervise/prompts';
import { defaultSuperviseConfig, superviseWithTeacher } from '../src/pipeline/supervise/supervise';
import { defaultValidatorConfig } from '../src/pipeline/validate/types';
import { fixturePaper, paperIds } from '../test/helpers/supervision';
import type { BenchResult } from './ingest.bench';

/** Starts the loopback server in a child process and resolves with its base URL and a way to stop it. */
async function startServerProcess(latencyMs: number): Promise<{ baseUrl: string; close: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'openaiServerProcess.ts'), String(latencyMs)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (line: string) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`benchmark server exited with ${code}`)));
  });
  return { baseUrl, close: () => child.stdin.end() };
}

export async function runSuperviseBench(log: (line: string) => void = console.log): Promise<BenchResult[]> {
  const papersCount = 1000;
  const server = await startServerProcess(50);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'miniastrolm-bench-'));
  const db = openDatabase(path.join(dir, 'astro.db'));
  try {
    const ids = paperIds(papersCount);
    new PaperStore(db).upsertMany(
      ids.map((id) => fixturePaper(id)),
      'arxiv-api',
      'now',
    );
    const endpoint = (model: string) =>
      endpointFromEnv({ baseUrl: server.baseUrl, apiKey: 'sk-bench', model, maxRetries: 0 }, {});
    const t0 = performance.now();
    const summary = await superviseWithTeacher(ids, {
      db,
      teacher: createLlmClient(endpoint('teacher')),
      judge: createLlmClient(endpoint('judge')),
      prompts: loadPromptSet(),
      config: { ...defaultSuperviseConfig, validators: defaultValidatorConfig, concurrency: 8 },
      clock: systemClock,
    });
    const seconds = (performance.now() - t0) / 1000;
    if (summary.accepted !== papersCount) throw new Error(`bench: only ${summary.accepted} accepted`);
    const floor = (summary.calls * 0.05) / 8;
    log(
      `supervise: ${papersCount} papers, ${summary.calls} calls (teacher + judge), 50 ms latency, concurrency 8`,
    );
    log(
      `  end to end: ${seconds.toFixed(2)} s   (latency floor ${floor.toFixed(1)} s; overhead ${(((seconds - floor) / summary.calls) * 8 * 1000).toFixed(1)} ms per call-slot)`,
    );
    return [
      {
        name: 'supervise.1000_papers_2000_calls',
        value: seconds,
        unit: 's',
        goal: '<= 15',
        ok: seconds <= 15,
      },
    ];
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    server.close();
  }
}
