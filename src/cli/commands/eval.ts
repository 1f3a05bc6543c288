import path from 'node:path';
import { ExitCode, MiniAstroError } from '../../core/errors';
import { loadPipelineConfig } from '../../pipeline/config/pipelineConfig';
import { defaultBaselineFile, runEval } from '../../student/lab/evaluate';
import { fmt } from '../../student/lab/report/markdown';
import { intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { DEFAULT_RUNS_DIR } from './experiment';

export const evalCommand: Command = {
  name: 'eval',
  summary: "Score explanations (a student's, or any model's) beside the untuned GPT-2 baseline",
  usage: `miniastrolm eval (--outputs FILE | --model DIR --data FILE) [options]

The scorecard of every explanation, against its abstract and, when the row has one, the teacher's explanation:
the v1 validators of the supervision pipeline (configs/pipeline.yaml), ROUGE-L against the teacher, repeated word
4-grams and distinct-2, whether it ended with EOS (when known), numbers and named entities the abstract does not
contain, and the Flesch–Kincaid grade; then the aggregate, beside the same card of the original study's untuned
GPT-2 outputs. Writes report.md, scorecard.json, scores.jsonl and PNG/SVG figures into <out>/eval-<timestamp>/.

  --outputs FILE       explanations to score: JSONL rows {id, abstract, explanation} (optional
                       target_explanation, stop or ended_with_eos), or the original study's {id, input, output}
  --model DIR          a student (export, checkpoint or run folder) to explain every abstract of --data
  --data FILE          abstracts for --model: curated JSONL, or {id, input} rows such as the original study's
                       teacher_v1_eval_abstracts.jsonl (the teacher's explanation, when present, feeds ROUGE-L)
  --baseline FILE      outputs scored beside the model's (default: the original study's baseline_gpt2_v1_10.jsonl
                       in ../shared/realdata/miniastrogpt/ beside the checkout, when it exists)
  --no-baseline        no baseline
  --max-new-tokens N   with --model: tokens generated at most (default: the model's generation settings)
  --pipeline-config F  validators from another pipeline YAML instead of configs/pipeline.yaml
  --out DIR            parent of the report folder (default ${DEFAULT_RUNS_DIR})
  --json               progress as JSON lines on stderr; the last stdout line is the aggregate scorecard:
                       {"n", "pass_rate": {"word_range", ..., "all"}, "rouge_l", "eos_rate", "repeat_4gram",
                       "distinct_2", "new_numbers_rate", "new_entities_rate", "fk_grade", "words_mean",
                       "report", "baseline": {...} | null, ...}`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        outputs: { type: 'string' },
        model: { type: 'string' },
        data: { type: 'string' },
        baseline: { type: 'string' },
        'no-baseline': { type: 'boolean' },
        'max-new-tokens': { type: 'string' },
        'pipeline-config': { type: 'string' },
        out: { type: 'string' },
      },
      'eval',
    );
    if (values.baseline !== undefined && values['no-baseline']) {
      throw new MiniAstroError(
        'usage',
        'eval takes --baseline FILE or --no-baseline, not both.',
        'Pass one.',
      );
    }
    const maxNew =
      values['max-new-tokens'] === undefined
        ? undefined
        : intOption(values['max-new-tokens'], 'max-new-tokens', 1, 1);
    const baselineFile = values['no-baseline']
      ? null
      : values.baseline !== undefined
        ? path.resolve(values.baseline)
        : defaultBaselineFile();
    const result = await runEval({
      ...(values.outputs !== undefined ? { outputsFile: values.outputs } : {}),
      ...(values.model !== undefined ? { modelDir: values.model } : {}),
      ...(values.data !== undefined ? { dataFile: values.data } : {}),
      baselineFile,
      runsDir: values.out ?? DEFAULT_RUNS_DIR,
      validators: loadPipelineConfig(values['pipeline-config']).validators,
      ...(maxNew !== undefined ? { generation: { maxNewTokens: maxNew } } : {}),
      progress: (event) => {
        if (out.json) process.stderr.write(`${JSON.stringify(event)}\n`);
        else if (event.type === 'note') out.note(event.message);
      },
    });
    const versus = result.baseline ? ` (baseline ${fmt(result.baseline.pass_rate.all)})` : '';
    out.result(
      result,
      `${result.n} explanations: ${fmt(result.pass_rate.all)} pass every v1 rule${versus}, ROUGE-L ${fmt(result.rouge_l)}, ` +
        `repeated 4-grams ${fmt(result.repeat_4gram)}, EOS ${fmt(result.eos_rate)}; report in ${result.report}`,
    );
    return ExitCode.ok;
  },
};
