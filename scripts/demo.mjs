// `npm run demo`: the main job on built-in defaults, offline and without an API key. Today that is ingest: the
// bundled sample feed (an arXiv API response written by this project) goes into a fresh database, then we show
// what was stored, freeze a batch for the teacher and show the prompt it would get; then a tiny student is trained
// on one hand-written explanation and asked to explain its abstract. Each capability adds a step here.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const db = path.join(root, '.miniastrolm-demo', 'astro.db');
const sample = path.join(root, 'samples', 'astro-ph-sample.atom.xml');

function step(title, args) {
  const shown = args.map((a) => (a.length > 60 ? `'${a.slice(0, 57)}...'` : a));
  console.log(`\n== ${title}\n$ miniastrolm ${shown.join(' ')}`);
  // From the repository root, whatever the caller's folder: config files name paths relative to it.
  const result = spawnSync(process.execPath, [cli, ...args, '--db', db], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error(`demo step failed (exit ${result.status}): ${title}`);
    process.exit(result.status ?? 1);
  }
}

rmSync(path.dirname(db), { recursive: true, force: true });
console.log(`MiniAstroLM demo — fresh database at ${path.relative(root, db)}`);
step('Ingest the bundled sample feed', ['import', path.relative(root, sample)]);
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
const demoRow = JSON.parse(
  readFileSync(path.join(root, 'samples', 'demo-curated.jsonl'), 'utf8').split('\n')[0],
);
step('Train a tiny student on one hand-written explanation (single-sample overfit, CPU)', [
  'train',
  '--config',
  'samples/demo_train.yaml',
]);
step(
  `Explain ${demoRow.id} with the student (greedy decoding; it should give back the explanation it learnt)`,
  [
    'explain',
    '--model',
    '.miniastrolm-demo/student',
    '--max-new-tokens',
    '120',
    '--abstract',
    demoRow.abstract,
  ],
);
console.log(`
Next, with network access:
  miniastrolm fetch --query 'cat:astro-ph.GA' --max 500        real abstracts from arXiv
  OPENAI_API_KEY=... miniastrolm teach --batch demo-he          teacher, validators and judge
  miniastrolm teach --base-url http://127.0.0.1:8080/v1 --model llama-3.1-8b-instruct   (a local llama.cpp server)
  miniastrolm export --out data/curated.jsonl                  the curated dataset for the student`);
