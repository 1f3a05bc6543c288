// Every experiment end to end on a tiny model and a short schedule: real training, decoding and scoring, and
// the pass/fail each reports follows from the numbers it measured. overfit-1 runs through the bundled CLI (the
// editor's way: JSON-lines progress on stderr, the result object last on stdout), the rest in-process.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ExperimentName, ExperimentResult } from '../../../src/student/lab/experiment';
import { runExperiment } from '../../../src/student/lab/experiments';
import { runCli } from '../../helpers/cli';
import { decodePng, inkShare } from '../../helpers/png';
import { tempDir } from '../../helpers/tmp';

const fixtures = path.join(__dirname, 'fixtures');
const tinyExperiments = path.join(fixtures, 'tiny-experiments.yaml');
const data = path.join(fixtures, 'tiny-20.jsonl');

async function run(name: ExperimentName, runsDir: string): Promise<ExperimentResult & { dir: string }> {
  const result = await runExperiment(name, {
    runsDir,
    labConfigFile: tinyExperiments,
    dataFile: data,
    now: () => new Date('2026-01-02T03:04:05Z'),
  });
  return { ...result, dir: path.dirname(result.report) };
}

/** The report folder holds what it promises: report, config, events, and figures that are real images. */
function checkFolder(dir: string, figures: readonly string[]): string {
  const report = readFileSync(path.join(dir, 'report.md'), 'utf8');
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    runs: Record<string, unknown>;
  };
  for (const label of Object.keys(config.runs)) {
    const events = readFileSync(path.join(dir, `events-${label}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    assert.equal(events[0]?.type, 'start');
    assert.equal(events.at(-1)?.type, 'done');
  }
  for (const name of figures) {
    assert.match(report, new RegExp(`\\]\\(${name}\\.png\\)`), `${name}.png is in the report`);
    const svg = readFileSync(path.join(dir, `${name}.svg`), 'utf8');
    const size = /<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg)!;
    const png = decodePng(readFileSync(path.join(dir, `${name}.png`)));
    assert.equal(png.width, Math.ceil(Number(size[1]) * 2), name);
    assert.equal(png.height, Math.ceil(Number(size[2]) * 2), name);
    assert.ok(inkShare(png) > 0.005, `${name}.png has something drawn`);
  }
  return report;
}

test('overfit-1 through the CLI: JSON-lines progress on stderr, {pass, report, final_loss} last on stdout', async (t) => {
  const runs = tempDir(t);
  const cli = await runCli([
    'experiment',
    'overfit-1',
    '--experiments',
    tinyExperiments,
    '--data',
    data,
    '--out',
    runs,
    '--json',
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  const events = cli.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string });
  assert.ok(events.some((e) => e.type === 'start') && events.some((e) => e.type === 'done'));
  const result = cli.json as { pass: boolean; report: string; final_loss: number; exact: boolean };
  assert.equal(result.pass, result.final_loss < 0.05 && result.exact);
  assert.equal(result.pass, true, `final loss ${result.final_loss}, exact ${result.exact}`);
  assert.ok(result.report.startsWith(runs) && existsSync(result.report));
  const report = checkFolder(path.dirname(result.report), ['loss']);
  assert.match(report, /\*\*PASS\*\*/);
  // The run's checkpoint is a model `eval` scores: a student's card beside the baseline's (when present).
  const checkpoint = path.join(path.dirname(result.report), 'overfit');
  const scored = await runCli(['eval', '--model', checkpoint, '--data', data, '--out', runs, '--json']);
  assert.equal(scored.code, 0, scored.stderr);
  const card = scored.json as {
    n: number;
    rouge_l: number;
    eos_rate: number;
    pass_rate: Record<string, number>;
  };
  assert.equal(card.n, 20);
  assert.match(scored.stderr, /at most \d+ new tokens \(not 320\): the model has 160 positions/);
  assert.ok(card.rouge_l > 0 && card.rouge_l <= 1);
  assert.ok(card.eos_rate >= 0 && card.eos_rate <= 1);
  assert.equal(typeof card.pass_rate['word_range'], 'number');
});

test('memorize-20 (8 rows here): exact matches counted from the decoded outputs', async (t) => {
  const result = await run('memorize-20', tempDir(t));
  const outputs = readFileSync(path.join(result.dir, 'outputs-memorize.jsonl'), 'utf8').trim().split('\n');
  const rows = readFileSync(data, 'utf8').trim().split('\n');
  const targets = new Map(
    rows
      .map((l) => JSON.parse(l) as { id: string; target_explanation: string })
      .map((r) => [r.id, r.target_explanation]),
  );
  const exact = outputs
    .map((l) => JSON.parse(l) as { id: string; explanation: string })
    .filter((o) => o.explanation === targets.get(o.id)).length;
  assert.equal(result['exact'], exact);
  assert.equal(result['of'], 8);
  assert.equal(result.pass, exact >= 7);
  assert.equal(result.pass, true, `${exact}/8 exact`);
  checkFolder(result.dir, ['loss', 'token_accuracy']);
});

test('eos-ablation: without EOS supervision the model stops less and repeats more', async (t) => {
  const result = await run('eos-ablation', tempDir(t));
  const withEos = result['with_eos'] as { eos_rate: number; token_repeat_4gram: number };
  const withoutEos = result['without_eos'] as { eos_rate: number; token_repeat_4gram: number };
  assert.equal(
    result.pass,
    withEos.eos_rate >= 0.9 &&
      withoutEos.eos_rate < withEos.eos_rate &&
      withoutEos.token_repeat_4gram > withEos.token_repeat_4gram,
  );
  assert.equal(result.pass, true, JSON.stringify(result));
  // The model that never saw an EOS never emits one.
  assert.equal(withoutEos.eos_rate, 0);
  checkFolder(result.dir, ['loss', 'stopping', 'lengths']);
});

test('decoding: the settings change repetition by more than minSpread', async (t) => {
  const result = await run('decoding', tempDir(t));
  const settings = result['settings'] as Record<string, { repeat_4gram: number; eos_rate: number }>;
  assert.deepEqual(Object.keys(settings), ['greedy', 'no-repeat-3', 'hold-eos', 'hold-eos+no-repeat-3']);
  const repeats = Object.values(settings).map((s) => s.repeat_4gram);
  assert.equal(result['spread'], Math.max(...repeats) - Math.min(...repeats));
  assert.equal(result.pass, (result['spread'] as number) >= 0.05);
  assert.equal(result.pass, true, JSON.stringify(settings));
  // No-repeat-3 forbids every repeated token trigram, so no word 4-gram can repeat... unless words span tokens;
  // EOS held back means no output stops before its minimum.
  assert.ok(settings['no-repeat-3']!.repeat_4gram <= settings['greedy']!.repeat_4gram);
  checkFolder(result.dir, ['repetition', 'compliance', 'lengths', 'loss']);
});

test('lora-vs-full: both runs learn; loss curves and scorecards side by side', async (t) => {
  const result = await run('lora-vs-full', tempDir(t));
  const full = result['full'] as { first_loss: number; final_loss: number };
  const lora = result['lora'] as { first_loss: number; final_loss: number };
  assert.equal(result.pass, full.final_loss < full.first_loss && lora.final_loss < lora.first_loss);
  assert.equal(result.pass, true, JSON.stringify(result));
  assert.ok(existsSync(path.join(result.dir, 'lora', 'checkpoint-30', 'adapter_model.safetensors')));
  assert.ok(readdirSync(result.dir).includes('outputs-lora.jsonl'));
  checkFolder(result.dir, ['loss', 'scorecard', 'compliance']);
});
