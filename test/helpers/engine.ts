/**
 * The real engine process for tests: src/engine/main.ts under tsx (no build needed), driven through the same
 * EngineClient the extension uses, stopped when the test ends.
 */
import path from 'node:path';
import type { TestContext } from 'node:test';
import { EngineClient } from '../../src/extension/engineClient';

export const repoRoot = path.resolve(__dirname, '..', '..');

export interface TestEngine {
  client: EngineClient;
  logs: string[];
  crashes: string[];
}

export function startTestEngine(t: TestContext, env: NodeJS.ProcessEnv = {}): TestEngine {
  const logs: string[] = [];
  const crashes: string[] = [];
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|MINIASTROLM_|OPENAI_)/i.test(key)) base[key] = value;
  }
  const client = new EngineClient({
    launch: () => ({
      node: process.execPath,
      args: ['--import', 'tsx', path.join(repoRoot, 'src', 'engine', 'main.ts')],
      env: { ...base, ...env },
    }),
    log: (line) => logs.push(line),
    onCrash: (description) => crashes.push(description),
  });
  t.after(() => client.stop());
  return { client, logs, crashes };
}
