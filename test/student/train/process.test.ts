// Training as a process: the bundled CLI (`train --json`) and the forked dist/trainWorker.js. SIGKILL loses only
// the steps since the last DONE checkpoint (a partial folder is ignored) and the resumed run ends on the same
// weights as an uninterrupted one; SIGTERM finishes the step, checkpoints and exits 130; heartbeats keep coming
// while the worker thread computes. Needs `npm run build` (npm test builds first).

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cpuThreads } from '../../../src/student/graph/threads';
import { checkpointDir, DONE_FILE, latestCheckpoint } from '../../../src/student/train/checkpoint';
import type { TrainEvent } from '../../../src/student/train/events';
import {
  GLIBC_TUNABLES,
  MALLOC_MMAP_THRESHOLD,
  trainingProcessEnv,
} from '../../../src/student/train/mallocEnv';
import { forkTraining, trainInThread } from '../../../src/student/train/process';
import { runTraining } from '../../../src/student/train/trainer';
import { runCli, startCli } from '../../helpers/cli';
import { tempDir } from '../../helpers/tmp';
import { tinyConfig, writeTinyYaml } from './helpers';

const workerScript = path.resolve(__dirname, '..', '..', '..', 'dist', 'trainWorker.js');

function events(stdout: string): TrainEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TrainEvent);
}

/** Resolves when a stdout line parses to an event matching `want`. */
function waitForEvent(child: ChildProcess, want: (e: TrainEvent) => boolean): Promise<TrainEvent> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as TrainEvent;
        if (want(event)) resolve(event);
      }
    });
    child.on('close', () => reject(new Error('the process ended before the event')));
  });
}

const RUN = { maxSteps: 16, checkpointEvery: 4, evalEvery: 0, keepCheckpoints: 3 };

test('SIGKILL, then --resume: continues from the newest DONE checkpoint, ignores a partial one, same final weights', async (t) => {
  const root = tempDir(t);
  const reference = await runTraining(tinyConfig(path.join(root, 'reference'), RUN), { sink: () => {} });

  const out = path.join(root, 'run');
  const yaml = writeTinyYaml(root, out, RUN);
  const first = startCli(['train', '--config', yaml, '--json']);
  await waitForEvent(first.child, (e) => e.type === 'checkpoint' && e.step >= 4);
  first.child.kill('SIGKILL');
  const killed = await first.done;
  assert.equal(killed.signal, 'SIGKILL');
  const latest = latestCheckpoint(out);
  assert.ok(latest && latest.step >= 4 && latest.step < 16, `killed mid-run (newest DONE: ${latest?.step})`);
  // What a crash during a save leaves: a newer folder without DONE, and a temporary folder.
  const partial = checkpointDir(out, 15);
  mkdirSync(partial);
  writeFileSync(path.join(partial, 'model.safetensors'), 'half a file');
  const temp = path.join(out, '.checkpoint-20.99999999.tmp');
  mkdirSync(temp);

  const resumed = await runCli(['train', '--config', yaml, '--json', '--resume'], {
    MINIASTROLM_HEARTBEAT_MS: '50',
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  const seen = events(resumed.stdout);
  const start = seen.find((e) => e.type === 'start');
  assert.ok(start?.type === 'start');
  assert.equal(start.step, latest.step);
  assert.equal(start.resumedFrom, latest.dir);
  assert.equal(seen.find((e) => e.type === 'step')?.step, latest.step + 1);
  const done = seen.at(-1);
  assert.ok(done?.type === 'done', 'the last line is the done event');
  assert.equal(done.step, 16);
  assert.equal(done.reason, 'completed');
  assert.equal(done.weightsSha256, reference.weightsSha256, 'bit-identical to the uninterrupted run');
  assert.ok(
    !existsSync(partial),
    'the stale partial folder is cleaned up once a newer checkpoint is complete',
  );
  assert.ok(!existsSync(temp), "a dead process's temporary folder is removed");
  assert.ok(
    seen.some((e) => e.type === 'heartbeat'),
    'heartbeats arrive while the worker thread trains',
  );
});

test('SIGTERM to `train --json` finishes the step, writes a checkpoint, exits 130; --resume completes the run', async (t) => {
  const root = tempDir(t);
  const out = path.join(root, 'run');
  const yaml = writeTinyYaml(root, out, { ...RUN, maxSteps: 12 });
  const first = startCli(['train', '--config', yaml, '--json']);
  await waitForEvent(first.child, (e) => e.type === 'step' && e.step >= 2);
  first.child.kill('SIGTERM');
  const stopped = await first.done;
  assert.equal(stopped.code, 130, stopped.stderr);
  const seen = events(stopped.stdout);
  const done = seen.at(-1);
  assert.ok(done?.type === 'done');
  assert.equal(done.reason, 'interrupted');
  assert.equal(done.resumable, true);
  assert.ok(done.step < 12);
  assert.equal(done.checkpoint, checkpointDir(out, done.step));
  assert.ok(existsSync(path.join(done.checkpoint, DONE_FILE)));
  assert.equal(seen.filter((e) => e.type === 'step').at(-1)?.step, done.step, 'no step after the checkpoint');

  const resumed = await runCli(['train', '--config', yaml, '--json', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.json?.['type'], 'done');
  assert.equal(resumed.json?.['step'], 12);
});

test('forked dist/trainWorker.js: events over IPC, stop() → checkpoint + exit 130, resume → exit 0', async (t) => {
  const root = tempDir(t);
  const out = path.join(root, 'run');
  const yaml = writeTinyYaml(root, out, { ...RUN, maxSteps: 10 });
  const seen: TrainEvent[] = [];
  let asked = false;
  const run = forkTraining(
    { configFile: yaml, cwd: root },
    {
      script: workerScript,
      onEvent: (e) => {
        seen.push(e);
        if (e.type === 'step' && e.step >= 3 && !asked) {
          asked = true;
          run.stop();
        }
      },
    },
  );
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  assert.equal(result.done?.reason, 'interrupted');
  assert.ok(existsSync(path.join(result.done!.checkpoint, DONE_FILE)));
  assert.equal(seen[0]?.type, 'start');

  const again = forkTraining(
    { configFile: yaml, cwd: root, resume: true },
    { script: workerScript, onEvent: () => {} },
  );
  const finished = await again.done;
  assert.equal(finished.code, 0, finished.stderr);
  assert.equal(finished.done?.step, 10);
  assert.equal(finished.done?.reason, 'completed');
});

test('`train --device cuda` here: exit 2, the last JSON line is the error with the install hint', async (t) => {
  const root = tempDir(t);
  const yaml = writeTinyYaml(root, path.join(root, 'run'));
  const result = await runCli(['train', '--config', yaml, '--json', '--device', 'cuda']);
  if (result.code === 0) return t.skip('this machine has the CUDA execution provider');
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.json?.['type'], 'error');
  assert.match(String(result.json?.['hint']), /ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci/);
  assert.match(result.stderr, /cannot use its CUDA execution provider/);
});

test('trainInThread from the TypeScript sources (worker thread under tsx)', async (t) => {
  const config = tinyConfig(tempDir(t), { maxSteps: 2, checkpointEvery: 2, evalEvery: 0 });
  const seen: TrainEvent[] = [];
  const outcome = await trainInThread(
    { config, resume: false },
    { onEvent: (e) => seen.push(e), heartbeatMs: 0 },
  );
  assert.equal(outcome.reason, 'completed');
  assert.deepEqual(
    seen.filter((e) => e.type !== 'note').map((e) => e.type),
    ['start', 'step', 'step', 'eval', 'checkpoint', 'done'],
  );
});

test('`train` on the CPU says which allocator settings it lacks, and is quiet when it has them', async (t) => {
  const root = tempDir(t);
  const run = { maxSteps: 1, checkpointEvery: 1, evalEvery: 0 };
  const notesOf = async (env: Record<string, string | undefined>, out: string) => {
    const yaml = writeTinyYaml(root, path.join(root, out), run);
    const result = await runCli(['train', '--config', yaml, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    return events(result.stdout).flatMap((e) => (e.type === 'note' ? [e.message] : []));
  };
  const without = await notesOf({ [MALLOC_MMAP_THRESHOLD]: undefined, [GLIBC_TUNABLES]: undefined }, 'a');
  const withThem = await notesOf(trainingProcessEnv({}, process.platform), 'b');
  if (process.platform !== 'linux') {
    assert.deepEqual(without, withThem, 'off Linux there is nothing to advise');
    return;
  }
  const advice = without.filter((m) => m.includes('allocator'));
  assert.equal(advice.length, 1, without.join('\n'));
  assert.match(
    advice[0]!,
    /export MALLOC_MMAP_THRESHOLD_=4294967296 GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1 /,
  );
  assert.ok(!withThem.some((m) => m.includes('allocator')), withThem.join('\n'));
});

test('`train --threads N` sets ONNX Runtime CPU threads; by default one per physical core, reported at start', async (t) => {
  const root = tempDir(t);
  const run = { maxSteps: 1, checkpointEvery: 1, evalEvery: 0 };
  const threadsOf = async (extra: string[], out: string) => {
    const yaml = writeTinyYaml(root, path.join(root, out), run);
    const result = await runCli(['train', '--config', yaml, '--json', ...extra]);
    assert.equal(result.code, 0, result.stderr);
    const start = events(result.stdout).find((e) => e.type === 'start');
    return start?.type === 'start' ? start.threads : undefined;
  };
  assert.equal(await threadsOf(['--threads', '1'], 'one'), 1);
  assert.equal(await threadsOf([], 'default'), cpuThreads());
  const bad = await runCli(['train', '--threads', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--threads must be an integer ≥ 0; got "many"/);
});
