// `miniastrolm explain`: one abstract through the student (src/student/infer/explain.ts), printed or as JSON.
import { ExitCode, MiniAstroError } from '../../core/errors';
import { type GenerationConfig, loadGenerationConfig } from '../../student/config/generationConfig';
import { explainAbstract, type Mark, openInferenceModel, WEIGHT_FORMATS } from '../../student/infer';
import { readAbstract } from '../abstractInput';
import { choiceOption, intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { explainWithTeacher, teacherOptions, teacherUsage } from '../explainWithTeacher';

function numberOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new MiniAstroError(
      'usage',
      `--${name} must be a number between ${min} and ${max}; got "${value}".`,
      `For example --${name} 1.2.`,
    );
  }
  return n;
}

function describeMark(mark: Mark): string {
  return `  ${mark.severity} ${mark.kind} at ${mark.start}-${mark.end} "${mark.text.length > 60 ? `${mark.text.slice(0, 57)}...` : mark.text}": ${mark.message}`;
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Explain an abstract with the student model (greedy decoding, faithfulness marks)',
  usage: `miniastrolm explain --model DIR [--abstract TEXT | --file FILE | < FILE] [options]
miniastrolm explain --with teacher [--base-url URL] [--model NAME] [--abstract TEXT | --file FILE | < FILE] [options]

Writes the student's explanation of one abstract: the prompt template the model was trained with, greedy decoding
with a KV cache (the same checkpoint and abstract always give the same text), then marks on the text: numbers the
abstract does not contain, runs copied from it, and repeated stretches.

  --model DIR            an export folder (miniastrolm-export.json + onnx/) or a Hugging Face GPT-2 /
                         checkpoint folder (config.json + model.safetensors)
  --abstract TEXT        the abstract; or --file FILE; or the text on stdin (UTF-8)
  --max-new-tokens N     tokens generated at most, EOS included (default: the export's, else configs/generation.yaml);
                         when the prompt and N do not fit the model's positions, N shrinks to what fits, down to
                         maxNewTokensFloor (generation config), and then the abstract is cut; both are reported
  --min-new-tokens N     no EOS before N tokens (default 0; at most --max-new-tokens)
  --weights W            float32, int8 or int4 (default: the export's choice, float32 for other folders)
  --repetition-penalty X CTRL/HF penalty on tokens already seen, 1 = off (default 1)
  --no-repeat-ngram N    forbid repeating any N-gram, 0 = off (default 0)
  --config FILE          a generation YAML instead of configs/generation.yaml
  --template NAME        prompt template of a HF/checkpoint folder (default: its metadata, else abstract-explanation-v1)
  --verify               check the weights against their recorded sha256 first (an export's manifest, a
                         checkpoint's trainer_state.json); refused for a folder that records none
  --json                 one JSON object on the last line:
                         {"explanation", "tokens", "stop": "eos"|"max_tokens"|"context", "msPerToken", "marks",
                          "fit": {"maxNewTokens", "requestedMaxNewTokens", "shrunkBy", "droppedAbstractTokens"}, ...}
${teacherUsage}`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        model: { type: 'string' },
        abstract: { type: 'string' },
        file: { type: 'string' },
        'max-new-tokens': { type: 'string' },
        'min-new-tokens': { type: 'string' },
        'repetition-penalty': { type: 'string' },
        'no-repeat-ngram': { type: 'string' },
        config: { type: 'string' },
        template: { type: 'string' },
        verify: { type: 'boolean' },
        weights: { type: 'string' },
        with: { type: 'string' },
        ...teacherOptions,
      },
      'explain',
    );
    const explainer = choiceOption(values.with, 'with', ['student', 'teacher'] as const, 'student');
    if (explainer === 'teacher') return explainWithTeacher(values, await readAbstract(values), out);
    if (!values.model) {
      throw new MiniAstroError(
        'usage',
        'explain needs --model DIR.',
        'Pass an export folder or a Hugging Face GPT-2 folder, e.g. --model .miniastrolm/runs/student/export',
      );
    }
    // Flags are checked before the (slow) model load.
    const maxNew =
      values['max-new-tokens'] === undefined
        ? undefined
        : intOption(values['max-new-tokens'], 'max-new-tokens', 1, 1);
    const minNew = intOption(values['min-new-tokens'], 'min-new-tokens', 0, 0);
    const penalty = numberOption(values['repetition-penalty'], 'repetition-penalty', 1, 10);
    const ngram =
      values['no-repeat-ngram'] === undefined
        ? undefined
        : intOption(values['no-repeat-ngram'], 'no-repeat-ngram', 0, 0);
    if (minNew > 0 && maxNew !== undefined && minNew > maxNew) {
      throw new MiniAstroError(
        'usage',
        `--min-new-tokens ${minNew} is more than --max-new-tokens ${maxNew}: the minimum could never be met.`,
        'Make --min-new-tokens at most --max-new-tokens.',
      );
    }
    const weights =
      values.weights === undefined
        ? undefined
        : choiceOption(values.weights, 'weights', WEIGHT_FORMATS, 'float32');
    const fileConfig = values.config ? loadGenerationConfig(values.config) : undefined;
    const abstract = await readAbstract(values);

    const model = await openInferenceModel(values.model, {
      verify: values.verify === true,
      ...(values.template ? { promptTemplate: values.template } : {}),
      ...(weights ? { weights } : {}),
    });
    try {
      const base: GenerationConfig = fileConfig ?? model.generation ?? loadGenerationConfig();
      const generation: GenerationConfig = {
        ...base,
        ...(maxNew !== undefined ? { maxNewTokens: maxNew } : {}),
        ...(penalty !== undefined ? { repetitionPenalty: penalty } : {}),
        ...(ngram !== undefined ? { noRepeatNgramSize: ngram } : {}),
      };
      const result = await explainAbstract(model, abstract, { generation, minNewTokens: minNew });
      const { marks, newNumbers, repetition, validation } = result.faithfulness;
      const round = (x: number) => Math.round(x * 1000) / 1000;
      const { fit } = result;
      const shrunk =
        fit.shrunkBy > 0
          ? `; at most ${fit.maxNewTokens} new tokens instead of ${fit.requestedMaxNewTokens} to fit the model's ${fit.positions} positions`
          : '';
      const summary =
        `${result.tokens} tokens (stop: ${result.stop}), prompt ${result.promptTokens} tokens` +
        `${result.droppedAbstractTokens > 0 ? ` (${result.droppedAbstractTokens} abstract tokens cut to fit)` : ''}${shrunk}, ` +
        `prefill ${result.timings.prefillMs.toFixed(1)} ms, ${result.timings.msPerToken.toFixed(2)} ms/token; ` +
        `${marks.length} mark${marks.length === 1 ? '' : 's'}`;
      if (!out.json) {
        out.note(summary);
        for (const mark of marks) out.note(describeMark(mark));
      }
      out.result(
        {
          explanation: result.explanation,
          tokens: result.tokens,
          stop: result.stop,
          msPerToken: round(result.timings.msPerToken),
          marks,
          prefillMs: round(result.timings.prefillMs),
          loadMs: round(model.loadMs),
          promptTokens: result.promptTokens,
          droppedAbstractTokens: result.droppedAbstractTokens,
          fit,
          newNumbers,
          copyOk: validation.byRule.copy_overlap,
          repetition: {
            words: repetition,
            tokens: result.tokenRepetition,
          },
          model: {
            kind: model.kind,
            dir: model.dir,
            promptTemplate: model.promptTemplate,
            weights: model.weights,
          },
          generation,
        },
        result.explanation,
      );
      return ExitCode.ok;
    } finally {
      await model.release();
    }
  },
};
