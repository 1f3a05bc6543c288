/**
 * How the engine process is started: which Node.js (miniastrolm.nodePath), which script (the bundled
 * dist/engine.js), and an environment holding the teacher's API key from SecretStorage and the idle timeout.
 */
import path from 'node:path';
import type { EngineLaunch } from './engineClient';
import { readSettings } from './settings';

export function engineLaunch(extensionPath: string, apiKey: string | undefined): EngineLaunch {
  const settings = readSettings();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The engine is plain Node; a desktop editor's Electron variables must not leak into it.
  delete env['ELECTRON_RUN_AS_NODE'];
  delete env['OPENAI_API_KEY'];
  if (apiKey) env['OPENAI_API_KEY'] = apiKey;
  env['MINIASTROLM_ENGINE_IDLE_MS'] = String(Math.max(1, settings.engineIdleMinutes) * 60_000);
  return { node: settings.nodePath, args: [path.join(extensionPath, 'dist', 'engine.js')], env };
}
