/**
 * How the engine process is started: which Node.js (found by nodeRuntime.ts: the setting, the extension host when
 * it is plain Node, PATH, version managers), which script (the bundled dist/engine.js), and an environment holding
 * the teacher's API key from SecretStorage and the idle timeout.
 */
import path from 'node:path';
import type * as vscode from 'vscode';
import { EngineError, type EngineLaunch } from './engineClient';
import { resolveEngineNode } from './nodeRuntime';
import { readSettings } from './settings';

export async function engineLaunch(
  context: vscode.ExtensionContext,
  log: vscode.OutputChannel,
  apiKey: string | undefined,
): Promise<EngineLaunch> {
  const node = await resolveEngineNode(context, log);
  if (!node) {
    // resolveEngineNode has already shown the notification with the ways to fix it.
    throw new EngineError(
      'No Node.js 20+ that can run the engine was found.',
      'runtime',
      'Set miniastrolm.nodePath or install Node.js (see the notification).',
    );
  }
  const settings = readSettings();
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The engine is plain Node; a desktop editor's Electron variables must not leak into it.
  delete env['ELECTRON_RUN_AS_NODE'];
  delete env['OPENAI_API_KEY'];
  if (apiKey) env['OPENAI_API_KEY'] = apiKey;
  env['MINIASTROLM_ENGINE_IDLE_MS'] = String(Math.max(1, settings.engineIdleMinutes) * 60_000);
  return { node, args: [path.join(context.extensionPath, 'dist', 'engine.js')], env };
}
