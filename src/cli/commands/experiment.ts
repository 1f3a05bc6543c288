import { ExitCode, MiniAstroError } from '../../core/errors';
import { EXPERIMENT_NAMES, type ExperimentName } from '../../student/lab/experiment';
import { runExperiment } from '../../student/lab/experiments';
import { describeTrainEvent, type TrainEvent } from '../../student/train/events';
import { choiceOption, intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { interruptSignal } from '../context';

/** Default parent of run folders, relative to the working directory (as training's outputDir). */
export const DEFAULT_RUNS_DIR = '.miniastrolm/runs';

export const experimentCommand: Command = {
  name: 'experiment',
  summary: 'Reproduce a finding of the original study as a report with plots',
  usage: `miniastrolm experiment NAME [options]

Runs one experiment end to end (training, decoding, scoring) and writes <runs>/<NAME>-<timestamp>/: report.md,
PNG and SVG figures, config.json (everything it ran with), events-<run>.jsonl (the training events) and
outputs-<run>.jsonl (what the models wrote; score them again with \`miniastrolm eval --outputs\`).

  overfit-1     one row: passes when the training loss < 0.05 and greedy decoding gives the target back exactly
  memorize-20   twenty rows: exact-match count (passes at ≥ 19/20) and per-row token accuracy
  eos-ablation  the same run with and without the EOS token supervised: stopping, lengths, repetition
  decoding      one model under several decoding settings: style compliance and repetition per setting
  lora-vs-full  LoRA adapters against full fine-tuning: loss curves and scorecards side by side

Defaults (configs/experiments.yaml) train a tiny GPT-2 from scratch on samples/lab-20.jsonl, offline, in minutes
on a laptop CPU.

  --data FILE          rows to use: curated JSONL, {id, abstract, explanation} rows, or the original study's
                       {id, input, output} rows (e.g. ../shared/realdata/miniastrogpt/teacher_v1_train.jsonl)
  --config FILE        a training YAML instead of the tiny default (configs/student_train.yaml: GPT-2 124M)
  --experiments FILE   experiment settings instead of configs/experiments.yaml
  --device D           cpu | cuda | webgpu, passed to training
  --steps N            optimizer steps of every training run, instead of the experiment's own
  --out DIR            parent folder of the run folder (default ${DEFAULT_RUNS_DIR})
  --threads N          ONNX Runtime CPU threads (0: one per physical core)
  --json               progress as JSON lines on stderr (the training event schema: start, step, checkpoint,
                       note, done, ...); the last stdout line is {"pass": true|false, "report": "…/report.md",
                       …key figures} (overfit-1: final_loss; memorize-20: exact, of; ...)`,
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        data: { type: 'string' },
        config: { type: 'string' },
        experiments: { type: 'string' },
        device: { type: 'string' },
        steps: { type: 'string' },
        out: { type: 'string' },
        threads: { type: 'string' },
      },
      'experiment',
    );
    const name = positionals[0];
    if (positionals.length !== 1 || !(EXPERIMENT_NAMES as readonly string[]).includes(name ?? '')) {
      throw new MiniAstroError(
        'usage',
        name === undefined ? 'experiment needs a NAME.' : `Unknown experiment "${positionals.join(' ')}".`,
        `Use one of: ${EXPERIMENT_NAMES.join(', ')} (miniastrolm experiment --help).`,
      );
    }
    const device =
      values.device === undefined
        ? undefined
        : choiceOption(values.device, 'device', ['cpu', 'cuda', 'webgpu'] as const, 'cpu');
    const steps = values.steps === undefined ? undefined : intOption(values.steps, 'steps', 1, 1);
    const threads = values.threads === undefined ? undefined : intOption(values.threads, 'threads', 0, 0);
    let stepEvery = 1;
    const progress = (event: TrainEvent) => {
      if (out.json) {
        process.stderr.write(`${JSON.stringify(event)}\n`);
        return;
      }
      // People get about twenty step lines a run, not hundreds.
      if (event.type === 'start') stepEvery = Math.max(1, Math.round(event.totalSteps / 20));
      if (event.type === 'step' && event.step % stepEvery !== 0 && event.step !== event.totalSteps) return;
      const text = describeTrainEvent(event);
      if (text !== null) out.note(text);
    };
    const interrupt = interruptSignal();
    try {
      const result = await runExperiment(name as ExperimentName, {
        runsDir: values.out ?? DEFAULT_RUNS_DIR,
        ...(values.data !== undefined ? { dataFile: values.data } : {}),
        ...(values.config !== undefined ? { trainConfigFile: values.config } : {}),
        ...(values.experiments !== undefined ? { labConfigFile: values.experiments } : {}),
        ...(device !== undefined ? { device } : {}),
        ...(steps !== undefined ? { steps } : {}),
        ...(threads ? { intraOpThreads: threads } : {}),
        progress,
        signal: interrupt.signal,
      });
      out.result(result, `${result.pass ? 'PASS' : 'FAIL'} ${name}: report in ${result.report}`);
      return ExitCode.ok;
    } finally {
      interrupt.dispose();
    }
  },
};
