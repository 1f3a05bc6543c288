// `npm run demo`: the main job on built-in defaults, offline and without an API key. Today that is ingest: the
// bundled sample feed (an arXiv API response written by this project) goes into a fresh database, then we show
// what was stored, freeze a batch for the teacher and show the prompt it would get. Each capability adds a step.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const db = path.join(root, '.miniastrolm-demo', 'astro.db');
const sample = path.join(root, 'samples', 'astro-ph-sample.atom.xml');

function step(title, args) {
  console.log(`\n== ${title}\n$ miniastrolm ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args, '--db', db], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`demo step failed (exit ${result.status}): ${title}`);
    process.exit(result.status ?? 1);
  }
}

rmSync(path.dirname(db), { recursive: true, force: true });
console.log(`MiniAstroLM demo — fresh database at ${path.relative(root, db)}`);
step('Ingest the bundled sample feed', ['import', path.relative(process.cwd(), sample)]);
step('What the database holds', ['db', 'stats']);
step('Stored papers, newest first', ['db', 'papers', '--limit', '10']);
step('Freeze a batch of high-energy papers for the teacher', [
  'batch',
  'create',
  'demo-he',
  '--category',
  'astro-ph.HE',
]);
step('Batches', ['batch', 'list']);
step('What the teacher would be asked (dry run: no API key, no call)', [
  'teach',
  '--batch',
  'demo-he',
  '--limit',
  '1',
  '--dry-run',
]);
console.log(`
Next, with network access:
  miniastrolm fetch --query 'cat:astro-ph.GA' --max 500        real abstracts from arXiv
  OPENAI_API_KEY=... miniastrolm teach --batch demo-he          teacher, validators and judge
  miniastrolm teach --base-url http://127.0.0.1:8080/v1 --model llama-3.1-8b-instruct   (a local llama.cpp server)
  miniastrolm export --out data/curated.jsonl                  the curated dataset for the student`);
