// What the editor makes of a run's end when the trainer could not say it with an event: killed by a signal, stopped
// before its first checkpoint; and which stdout lines are events (a native library may print on stdout too).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyExit,
  applyTrainEvent,
  initialSummary,
  markStopping,
  outcomeText,
  parseTrainEventLine,
  statusBarText,
} from '../../../src/extension/training/runSummary';

test('only JSON objects with a type are events', () => {
  assert.equal(parseTrainEventLine('2026-01-01 [W:onnxruntime] something'), null);
  assert.equal(parseTrainEventLine('{"step": 3}'), null);
  assert.equal(parseTrainEventLine('{not json'), null);
  assert.deepEqual(parseTrainEventLine(' {"type":"note","message":"hi"} '), { type: 'note', message: 'hi' });
});

test('a trainer killed by a signal failed, and says so; a stop before any checkpoint has nothing to resume', () => {
  const started = applyTrainEvent(initialSummary(), { type: 'note', message: 'x' });
  assert.equal(started.state, 'running');
  const killed = applyExit(started, null, 'SIGKILL');
  assert.equal(killed.state, 'failed');
  assert.match(outcomeText(killed), /killed by SIGKILL/);

  const stopping = markStopping(started);
  assert.equal(stopping.state, 'stopping');
  assert.match(statusBarText(stopping), /stopping at step 0/);
  const stopped = applyExit(stopping, 130, null);
  assert.equal(stopped.state, 'stopped');
  assert.match(outcomeText(stopped), /nothing to resume/);
  assert.equal(markStopping(stopped).state, 'stopped', 'an ended run does not go back to stopping');
});
