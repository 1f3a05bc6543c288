// The extension-host test's training fixture, written into the workspace: a tiny config (test/student/train's
// tiny GPT-2 over its fixture rows, copied into data/) that the setting miniastrolm.trainConfig names, a task for it
// in .vscode/tasks.json, and a config with a wrong key. Also the reference: the same config trained by the CLI
// without interruption, whose final weights the editor's stopped-and-resumed run must equal.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { startCli } from '../helpers/cli';
import { evalFile, tinyYaml, trainFile } from '../student/train/helpers';
import type { TrainingParams } from './protocol';

const MAX_STEPS = 30;

export function writeTrainingFixture(workspace: string): TrainingParams {
  mkdirSync(path.join(workspace, 'data'), { recursive: true });
  mkdirSync(path.join(workspace, 'configs'), { recursive: true });
  copyFileSync(trainFile, path.join(workspace, 'data', 'tiny-train.jsonl'));
  copyFileSync(evalFile, path.join(workspace, 'data', 'tiny-eval.jsonl'));
  const out = '.miniastrolm/runs/tiny';
  const config = 'configs/tiny_train.yaml';
  // Relative paths, as a user writes them: the trainer resolves them against the workspace folder.
  const yaml = tinyYaml(out, {
    data: { trainFile: 'data/tiny-train.jsonl', evalFile: 'data/tiny-eval.jsonl' },
    maxSteps: MAX_STEPS,
    evalEvery: 5,
    checkpointEvery: 10,
    keepCheckpoints: 2,
  });
  writeFileSync(path.join(workspace, config), `# A tiny student for the editor's tests.\n${stringify(yaml)}`);

  const badConfig = 'configs/bad_train.yaml';
  const bad = [
    '# A typo in a key.',
    'model:',
    '  init: scratch',
    '  config:',
    '    nLayer: 1',
    '    nHedd: 1',
  ];
  writeFileSync(path.join(workspace, badConfig), `${bad.join('\n')}\nmaxSteps: 2\n`);

  const taskLabel = 'Train the tiny student';
  const tasks = {
    version: '2.0.0',
    tasks: [{ label: taskLabel, type: 'miniastrolm', command: 'train', config }],
  };
  writeFileSync(path.join(workspace, '.vscode', 'tasks.json'), JSON.stringify(tasks, null, 2));
  return {
    config,
    taskLabel,
    maxSteps: MAX_STEPS,
    out,
    resumedOut: '.miniastrolm/runs/tiny-resumed',
    badConfig,
    badKey: 'nHedd',
    badKeyLine: bad.findIndex((line) => line.includes('nHedd')),
  };
}

/** The uninterrupted reference run by the CLI (data paths given absolute, so it runs from anywhere). */
export function startReferenceRun(workspace: string, params: TrainingParams, out: string) {
  return startCli([
    'train',
    '--config',
    path.join(workspace, params.config),
    '--train',
    path.join(workspace, 'data', 'tiny-train.jsonl'),
    '--eval',
    path.join(workspace, 'data', 'tiny-eval.jsonl'),
    '--out',
    out,
    '--json',
  ]).done;
}
