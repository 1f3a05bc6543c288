/**
 * Extension activation: require dist/extension.js and run activate() (with a stand-in `vscode`, see
 * test/helpers/vscodeStub.ts), each in a fresh Node process so no module is warm. Goal: ≤ 150 ms, median of 7,
 * with neither ONNX Runtime nor SQLite loaded (they live in the engine process).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult } from './ingest.bench';

const root = path.resolve(__dirname, '..');
const GOAL_MS = 150;

export function runActivationBench(log: (line: string) => void = console.log): BenchResult[] {
  const bundle = path.join(root, 'dist', 'extension.js');
  if (!existsSync(bundle)) {
    log('activation: dist/extension.js is missing (npm run build); skipped');
    return [];
  }
  const script = `
    const { activateBundled } = require(${JSON.stringify(path.join(root, 'test', 'helpers', 'vscodeStub.ts'))});
    const a = activateBundled(${JSON.stringify(bundle)}, ${JSON.stringify(root)}, '/tmp/miniastrolm-activation');
    process.stdout.write(JSON.stringify({ ms: a.loadMs + a.activateMs, modules: a.modules }));
    a.dispose();
    process.exit(0);`;
  const times: number[] = [];
  let modules: string[] = [];
  for (let i = 0; i < 7; i++) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      encoding: 'utf8',
      cwd: root,
    });
    if (run.status !== 0) throw new Error(`activation bench failed: ${run.stderr}`);
    const parsed = JSON.parse(run.stdout) as { ms: number; modules: string[] };
    times.push(parsed.ms);
    modules = parsed.modules;
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1]!;
  const heavy = modules.filter((m) => /onnxruntime|better-sqlite3/.test(m));
  log(
    `activation: require + activate() median ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)}); ` +
      `modules loaded: ${modules.join(', ') || 'none from node_modules'}`,
  );
  return [
    {
      name: 'extension activation (require + activate, fresh process)',
      value: median,
      unit: 'ms',
      goal: `≤ ${GOAL_MS}`,
      ok: median <= GOAL_MS && heavy.length === 0,
    },
  ];
}

if (require.main === module) runActivationBench();
