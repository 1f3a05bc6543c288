import { ExitCode, isMiniAstroError } from '../../core/errors';
import { describeTrainEvent, type TrainEvent } from '../../student/train/events';
import { allocatorAdvice } from '../../student/train/mallocEnv';
import { trainInThread } from '../../student/train/process';
import { resolveTrainConfig, type TrainOverrides } from '../../student/train/runConfig';
import { choiceOption, intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { interruptSignal } from '../context';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Fine-tune the student GPT-2 on curated rows (resumable checkpoints)',
  usage: `miniastrolm train [--config FILE] [--resume] [options]

Trains the student model as the config describes (default configs/student_train.yaml), writing checkpoints
<out>/checkpoint-<step>/ in Hugging Face GPT-2 layout. Ctrl-C or SIGTERM finishes the current step, writes a
checkpoint and exits 130; run the same command with --resume to continue (bit-identical to an uninterrupted run).

  --config FILE      training config (YAML); relative paths in it are relative to the working directory
  --resume           continue from the newest complete checkpoint in the output folder (fresh start if none)
  --train FILE       training rows (curated JSONL), overrides data.trainFile
  --eval FILE        eval rows, overrides data.evalFile;  --no-eval: no evaluation
  --out DIR          output folder, overrides outputDir
  --max-steps N      optimizer steps, overrides maxSteps
  --device D         cpu | cuda | webgpu, overrides device
  --threads N        ONNX Runtime CPU threads, overrides threads (0: one per physical core)
  --stop-at-step N   checkpoint and stop (resumable) once N steps are done
  --json             one JSON event per line on stdout ({"type":"start"|"step"|"eval"|"checkpoint"|
                     "heartbeat"|"note"|"done"|"error", ...}); the last line is "done" or "error"
                     (heartbeats every 10 s, env MINIASTROLM_HEARTBEAT_MS)`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        config: { type: 'string' },
        resume: { type: 'boolean' },
        train: { type: 'string' },
        eval: { type: 'string' },
        'no-eval': { type: 'boolean' },
        out: { type: 'string' },
        'max-steps': { type: 'string' },
        device: { type: 'string' },
        threads: { type: 'string' },
        'stop-at-step': { type: 'string' },
      },
      'train',
    );
    const overrides: TrainOverrides = {};
    if (values.train !== undefined) overrides.trainFile = values.train;
    if (values.eval !== undefined) overrides.evalFile = values.eval;
    if (values['no-eval']) overrides.evalFile = null;
    if (values.out !== undefined) overrides.outputDir = values.out;
    if (values['max-steps'] !== undefined)
      overrides.maxSteps = intOption(values['max-steps'], 'max-steps', 1, 1);
    if (values.device !== undefined)
      overrides.device = choiceOption(values.device, 'device', ['cpu', 'cuda', 'webgpu'] as const, 'cpu');
    if (values.threads !== undefined) overrides.threads = intOption(values.threads, 'threads', 0, 0);
    const stopAtStep =
      values['stop-at-step'] === undefined
        ? undefined
        : intOption(values['stop-at-step'], 'stop-at-step', 1, 1);
    let reported = false;
    const print = (event: TrainEvent) => {
      if (event.type === 'error') reported = true;
      if (out.json) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
        return;
      }
      const text = describeTrainEvent(event);
      if (text === null) return;
      if (event.type === 'done') out.result(event, text);
      else out.note(text);
    };
    const interrupt = interruptSignal();
    interrupt.signal.addEventListener('abort', () => {
      if (!out.json)
        out.note('Stopping after the current step and writing a checkpoint (signal again to quit now).');
    });
    try {
      const config = resolveTrainConfig({
        ...(values.config !== undefined ? { configFile: values.config } : {}),
        overrides,
      });
      const advice = config.device === 'cpu' ? allocatorAdvice(process.env) : null;
      if (advice !== null) print({ type: 'note', message: advice });
      const outcome = await trainInThread(
        { config, resume: values.resume === true, ...(stopAtStep !== undefined ? { stopAtStep } : {}) },
        {
          onEvent: print,
          signal: interrupt.signal,
          heartbeatMs: intOption(
            process.env['MINIASTROLM_HEARTBEAT_MS'],
            'heartbeat (MINIASTROLM_HEARTBEAT_MS)',
            10_000,
          ),
        },
      );
      return outcome.reason === 'interrupted' ? ExitCode.interrupted : ExitCode.ok;
    } catch (error) {
      // With --json the last line is an 'error' event (the run reports its own); people get message and hint.
      if (isMiniAstroError(error)) {
        if (!reported) {
          print({
            type: 'error',
            step: 0,
            error: error.message,
            hint: error.hint,
            kind: error.kind,
            lastCheckpoint: null,
          });
        }
        out.note(`error: ${error.message}\n  hint: ${error.hint}`);
        return error.exitCode;
      }
      throw error;
    } finally {
      interrupt.dispose();
    }
  },
};
