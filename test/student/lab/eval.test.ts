// `miniastrolm eval --outputs` on the original study's untuned GPT-2 outputs: the scorecard contract, the
// baseline row beside the model's, the report and its figures.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../helpers/cli';
import { decodePng } from '../../helpers/png';
import { needRealdata } from '../../helpers/realdata';
import { tempDir } from '../../helpers/tmp';

test('eval --outputs scores any rows and prints the aggregate card, beside the baseline', async (t) => {
  const baseline = needRealdata(t, 'miniastrogpt', 'baseline_gpt2_v1_10.jsonl');
  if (!baseline) return;
  const dir = tempDir(t);
  // Two rows of another model: one good enough, one looping without EOS.
  const outputs = path.join(dir, 'outputs.jsonl');
  const abstract = 'We measure the spin of 12 black holes with X-ray reflection spectra from NuSTAR.';
  writeFileSync(
    outputs,
    [
      { id: 'a', abstract, explanation: 'Gas near a spinning black hole orbits closer in.', stop: 'eos' },
      {
        id: 'b',
        abstract,
        explanation: 'the hole the hole the hole the hole the hole',
        ended_with_eos: false,
      },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  const run = await runCli(['eval', '--outputs', outputs, '--baseline', baseline, '--out', dir, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const card = run.json as Record<string, unknown> & {
    pass_rate: Record<string, number>;
    baseline: Record<string, unknown> & { n: number };
    report: string;
  };
  assert.equal(card['n'], 2);
  assert.equal(card['eos_rate'], 0.5);
  assert.equal(card['rouge_l'], null);
  assert.ok((card['repeat_4gram'] as number) > 0.25);
  assert.deepEqual(Object.keys(card.pass_rate).sort(), [
    'all',
    'banned_phrases',
    'copy_overlap',
    'format',
    'new_numbers',
    'paragraphs',
    'word_range',
  ]);
  assert.equal(card.baseline.n, 10);
  assert.equal(card.baseline['eos_rate'], null);
  const report = readFileSync(card.report, 'utf8');
  assert.match(report, /\| metric \| model \| baseline: untuned GPT-2 \|/);
  for (const figure of ['pass_rates', 'quality', 'lengths']) {
    const png = decodePng(readFileSync(path.join(path.dirname(card.report), `${figure}.png`)));
    assert.ok(png.width > 400 && png.height > 100, figure);
  }
  const usage = await runCli(['eval', '--model', dir, '--outputs', outputs]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /either --outputs FILE, or --model DIR with --data FILE/);
});
