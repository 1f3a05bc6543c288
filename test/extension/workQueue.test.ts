// The explanation queue: one job at a time, newest first, the user's request ahead of background work (which it
// interrupts and requeues), same key shares one job, stale background work dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JobDropped, LatestFirstQueue } from '../../src/extension/workQueue';

/** A job that finishes when the test says so and records when it started and whether it was aborted. */
function controllable(log: string[], name: string) {
  let finish!: (value: string) => void;
  const run = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      log.push(`start ${name}`);
      finish = resolve;
      signal.addEventListener('abort', () => {
        log.push(`abort ${name}`);
        reject(signal.reason);
      });
    });
  return { run, finish: (v = name) => finish(v) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('jobs run one at a time, the newest waiting job first', async () => {
  const log: string[] = [];
  const queue = new LatestFirstQueue<string>();
  const a = controllable(log, 'a');
  const b = controllable(log, 'b');
  const c = controllable(log, 'c');
  const pa = queue.enqueue('a', 'background', a.run);
  const pb = queue.enqueue('b', 'background', b.run);
  const pc = queue.enqueue('c', 'background', c.run);
  await tick();
  assert.deepEqual(log, ['start a']);
  a.finish();
  assert.equal(await pa, 'a');
  await tick();
  assert.deepEqual(log, ['start a', 'start c'], 'c was asked for last, so it runs before b');
  c.finish();
  await pc;
  await tick();
  b.finish();
  assert.equal(await pb, 'b');
  assert.deepEqual(log, ['start a', 'start c', 'start b']);
});

test('the same key asked twice shares one job', async () => {
  const log: string[] = [];
  const queue = new LatestFirstQueue<string>();
  const a = controllable(log, 'a');
  const first = queue.enqueue('a', 'background', a.run);
  const second = queue.enqueue('a', 'foreground', a.run);
  assert.equal(first, second);
  await tick();
  a.finish('done');
  assert.equal(await second, 'done');
  assert.deepEqual(log, ['start a']);
});

test('a foreground request interrupts background work, which runs again afterwards', async () => {
  const log: string[] = [];
  const queue = new LatestFirstQueue<string>();
  const hover = controllable(log, 'hover');
  const panel = controllable(log, 'panel');
  const background = queue.enqueue('hover', 'background', hover.run);
  await tick();
  const foreground = queue.enqueue('panel', 'foreground', panel.run);
  await tick();
  assert.deepEqual(log, ['start hover', 'abort hover', 'start panel']);
  panel.finish();
  assert.equal(await foreground, 'panel');
  await tick();
  assert.deepEqual(log.at(-1), 'start hover', 'the interrupted job is requeued, not failed');
  hover.finish();
  assert.equal(await background, 'hover');
});

test('at most maxPending background jobs wait; the stalest are dropped with JobDropped', async () => {
  const log: string[] = [];
  const queue = new LatestFirstQueue<string>(2);
  const running = controllable(log, 'r');
  queue.enqueue('r', 'background', running.run);
  const old = queue.enqueue('old', 'background', controllable(log, 'old').run);
  queue.enqueue('mid', 'background', controllable(log, 'mid').run);
  queue.enqueue('new', 'background', controllable(log, 'new').run);
  await assert.rejects(old, JobDropped);
  assert.equal(queue.has('old'), false);
  assert.equal(queue.has('mid'), true);
  assert.equal(queue.has('new'), true);
});

test('cancel aborts the running job and its caller sees the abort', async () => {
  const log: string[] = [];
  const queue = new LatestFirstQueue<string>();
  const a = controllable(log, 'a');
  const pa = queue.enqueue('a', 'foreground', a.run);
  await tick();
  queue.cancel('a');
  await assert.rejects(pa, /cancelled/);
  assert.equal(queue.runningKey, null);
});
