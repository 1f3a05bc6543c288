/**
 * Where the package's own files (prompts/, configs/, samples/) are at run time: the same code runs from src/ under
 * tsx and bundled in dist/, so we walk up from this module to the folder holding our package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'miniastrolm') {
        cached = dir;
        return dir;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the miniastrolm package root above ${__dirname}`);
    dir = parent;
  }
}
