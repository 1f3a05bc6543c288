// The editor's training runs, with the real CLI (dist/cli.js) in a child process on a tiny config: the events fold
// into a summary (the status bar's text, the terminal's outcome), the runs folder then lists the checkpoints with
// the losses the trainer reported; a stop (SIGTERM) mid-run leaves a finished checkpoint and exit 130, and the
// resumed run ends on the weights of an uninterrupted one; a refused config fails with the key named; one run at a
// time. Needs `npm run build` (npm test builds first).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { locateConfigError } from '../../../src/extension/training/configErrors';
import { outcomeText, statusBarText } from '../../../src/extension/training/runSummary';
import { checkpointDescription, listRuns, newestComplete } from '../../../src/extension/training/runsFolder';
import {
  type RunRecord,
  TrainingRuns,
  type TrainLaunch,
  trainArguments,
} from '../../../src/extension/training/trainingRuns';
import { DONE_FILE, sha256File } from '../../../src/student/train/checkpoint';
import type { TrainEvent } from '../../../src/student/train/events';
import { cliPath } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { writeTinyYaml } from '../../student/train/helpers';

const launch: TrainLaunch = { node: process.execPath, cli: cliPath };
const RUN = { maxSteps: 12, evalEvery: 4, checkpointEvery: 4, keepCheckpoints: 2 };

function record(runs: TrainingRuns): { events: TrainEvent[]; statusTexts: string[]; output: string[] } {
  const seen = { events: [] as TrainEvent[], statusTexts: [] as string[], output: [] as string[] };
  runs.subscribe({
    event: (_run, event) => seen.events.push(event),
    change: (run) => seen.statusTexts.push(statusBarText(run.summary)),
    output: (_run, line) => seen.output.push(line),
  });
  return seen;
}

/** Resolves on the first event of the live run that `want` accepts. */
function eventWhere(runs: TrainingRuns, want: (e: TrainEvent) => boolean): Promise<RunRecord> {
  return new Promise((resolve) => {
    const subscription = runs.subscribe({
      event: (run, event) => {
        if (want(event)) {
          subscription.dispose();
          resolve(run);
        }
      },
    });
  });
}

test('a run to completion: events, summary, status text and the runs folder agree', async (t) => {
  const root = tempDir(t);
  const runsRoot = path.join(root, 'runs');
  const config = writeTinyYaml(root, path.join(runsRoot, 'tiny'), RUN);
  const runs = new TrainingRuns();
  const seen = record(runs);
  const run = runs.start({ configFile: config, resume: false, cwd: root }, launch);
  assert.equal(runs.live, true);
  assert.throws(() => runs.start({ configFile: config, resume: false, cwd: root }, launch), /already live/);
  const done = await runs.whenFinished();
  assert.equal(done, run);
  assert.equal(run.summary.state, 'completed', seen.output.join('\n'));
  assert.equal(run.summary.exitCode, 0);
  assert.equal(runs.live, false);

  const steps = seen.events.filter((e) => e.type === 'step');
  assert.deepEqual(
    steps.map((e) => e.step),
    Array.from({ length: 12 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    run.events.map((e) => e.type),
    seen.events.filter((e) => e.type !== 'heartbeat').map((e) => e.type),
  );
  const lastStep = steps.at(-1)!;
  assert.equal(run.summary.step, 12);
  assert.equal(run.summary.loss, lastStep.loss);
  const evals = seen.events.filter((e) => e.type === 'eval');
  assert.equal(evals.length, 3);
  assert.equal(run.summary.evalLoss, evals.at(-1)!.evalLoss);
  assert.ok(seen.statusTexts.includes('$(sync~spin) MiniAstroLM: starting training…'));
  assert.ok(
    seen.statusTexts.some((text) =>
      text.startsWith(`$(pulse) step 5/12 · loss ${steps[4]!.loss.toFixed(4)} · ETA `),
    ),
    seen.statusTexts.join('\n'),
  );
  const model = path.join(run.summary.lastCheckpoint!, 'model.safetensors');
  assert.equal(run.summary.weightsSha256, sha256File(model));
  assert.match(outcomeText(run.summary), /^Training finished: 12 steps, final loss/);

  // The tree of runs reads the same numbers back from the checkpoints' state files.
  const [listed, ...others] = listRuns(runsRoot);
  assert.equal(others.length, 0);
  assert.equal(listed!.name, 'tiny');
  assert.deepEqual(
    listed!.checkpoints.map((c) => [c.step, c.done]),
    [
      [8, true],
      [12, true],
    ],
  );
  const newest = newestComplete(listed!)!;
  assert.equal(newest.loss, lastStep.loss);
  assert.equal(newest.evalLoss, evals.at(-1)!.evalLoss);
  assert.equal(
    checkpointDescription(newest),
    `step 12/12 · loss ${lastStep.loss.toFixed(4)} · eval ${evals.at(-1)!.evalLoss.toFixed(4)}`,
  );
  // An unfinished save (no DONE marker) is listed as such and never chosen.
  mkdirSync(path.join(runsRoot, 'tiny', 'checkpoint-16'));
  const again = listRuns(runsRoot)[0]!;
  assert.equal(again.checkpoints.at(-1)!.done, false);
  assert.equal(checkpointDescription(again.checkpoints.at(-1)!), 'unfinished save (ignored by resume)');
  assert.equal(newestComplete(again)!.step, 12);
});

test('stop mid-run: a finished checkpoint and exit 130; resuming ends on the uninterrupted weights', async (t) => {
  const root = tempDir(t);
  const long = { ...RUN, maxSteps: 16, checkpointEvery: 100 };
  const reference = writeTinyYaml(root, path.join(root, 'reference'), long);
  const runs = new TrainingRuns();
  runs.start({ configFile: reference, resume: false, cwd: root }, launch);
  const uninterrupted = (await runs.whenFinished())!;
  assert.equal(uninterrupted.summary.state, 'completed');

  const out = path.join(root, 'stopped');
  const seen = record(runs);
  const run = runs.start({ configFile: reference, resume: false, outputDir: out, cwd: root }, launch);
  await eventWhere(runs, (e) => e.type === 'step' && e.step >= 3);
  assert.equal(runs.stop(), true);
  assert.equal(run.summary.state, 'stopping');
  assert.ok(seen.statusTexts.some((text) => text.startsWith('$(debug-pause) MiniAstroLM: stopping at step')));
  await runs.whenFinished();
  assert.equal(run.summary.state, 'stopped', seen.output.join('\n'));
  assert.equal(run.summary.exitCode, 130);
  assert.ok(run.summary.step < 16, `stopped at ${run.summary.step}`);
  assert.ok(existsSync(path.join(run.summary.lastCheckpoint!, DONE_FILE)));
  assert.equal(path.dirname(run.summary.lastCheckpoint!), out, '--out is the run folder');
  assert.match(
    outcomeText(run.summary),
    /resumable from .*checkpoint-\d+: run "MiniAstroLM: Resume training"/,
  );
  assert.equal(runs.stop(), false, 'nothing live to stop');

  const resumed = runs.start({ configFile: reference, resume: true, outputDir: out, cwd: root }, launch);
  await runs.whenFinished();
  assert.equal(resumed.summary.state, 'completed');
  assert.equal(resumed.summary.resumedFrom, run.summary.lastCheckpoint);
  // What came before, for the dashboard: the stopped run's losses, read from the checkpoint it resumed from.
  const before = seen.events.filter((e) => e.type === 'step' && e.step <= run.summary.step);
  assert.deepEqual(
    resumed.history?.steps.map((p) => [p.step, p.loss]),
    before.map((e) => (e.type === 'step' ? [e.step, e.loss] : [])),
  );
  assert.equal(resumed.summary.weightsSha256, uninterrupted.summary.weightsSha256);
  assert.deepEqual(trainArguments(resumed.request), [
    'train',
    '--config',
    reference,
    '--resume',
    '--out',
    out,
    '--json',
  ]);
});

test('a config with a wrong key: exit 3, the message names the key, and it is found on its line', async (t) => {
  const root = tempDir(t);
  const config = path.join(root, 'bad.yaml');
  const yaml = 'model:\n  init: scratch\n  config:\n    nLayer: 1\n    nHedd: 1\nbatchSize: 1\n';
  writeFileSync(config, yaml);
  const runs = new TrainingRuns();
  const run = runs.start({ configFile: config, resume: false, cwd: root }, launch);
  await runs.whenFinished();
  assert.equal(run.summary.state, 'failed');
  assert.equal(run.summary.exitCode, 3);
  assert.match(run.summary.error!.message, /^model\.config\.nHedd: unknown key/);
  assert.equal(locateConfigError(yaml, run.summary.error!.message)!.start.line, 4);
  assert.match(outcomeText(run.summary), /^Training failed: model\.config\.nHedd: unknown key/);
});

test('a Node.js that cannot start fails the run with what happened', async (t) => {
  const root = tempDir(t);
  const runs = new TrainingRuns();
  const lines: string[] = [];
  runs.subscribe({ output: (_run, line) => lines.push(line) });
  const run = runs.start(
    { configFile: 'x.yaml', resume: false, cwd: root },
    { node: path.join(root, 'no-node'), cli: cliPath },
  );
  await runs.whenFinished();
  assert.equal(run.summary.state, 'failed');
  assert.match(lines.join('\n'), /Could not start Node\.js/);
});
