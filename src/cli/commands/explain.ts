// `miniastrolm explain`: one abstract through the student (src/student/infer/explain.ts), printed or as JSON.
import { readFileSync } from 'node:fs';
import { describeError, ExitCode, MiniAstroError } from '../../core/errors';
import { type GenerationConfig, loadGenerationConfig } from '../../student/config/generationConfig';
import { explainAbstract, type Mark, openInferenceModel, WEIGHT_FORMATS } from '../../student/infer';
import { choiceOption, intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';

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

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const HINT_ENCODING = 'Save the abstract as UTF-8 plain text (most editors: "Save with encoding" → UTF-8).';

/**
 * The text of an abstract file or stdin, which must be UTF-8 (a UTF-8 byte-order mark is dropped): UTF-16,
 * binary data and invalid UTF-8 are refused, naming where, instead of reaching the model as replacement
 * characters.
 */
export function decodeAbstractBytes(bytes: Uint8Array, source: string): string {
  const bad = (what: string) => new MiniAstroError('badInput', `${source} ${what}.`, HINT_ENCODING);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw bad('is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw bad(`holds a NUL byte at offset ${nul}: it is binary data (or UTF-16), not text`);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.startsWith('\ufeff') ? text.slice(1) : text;
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).filter((b) => b === 10).length + 1;
    throw bad(
      `is not valid UTF-8: byte 0x${bytes[offset]?.toString(16).padStart(2, '0')} at offset ${offset} ` +
        `(line ${line}); it may be Latin-1 or Windows-1252`,
    );
  }
}

/**
 * A UTF-8 sequence's length and the allowed range of its second byte, by its first byte (RFC 3629: the ranges
 * exclude overlong forms and surrogates); length 0 for a byte no sequence starts with.
 */
function utf8Lead(b: number): [number, number, number] {
  if (b < 0x80) return [1, 0, 0];
  if (b >= 0xc2 && b <= 0xdf) return [2, 0x80, 0xbf];
  if (b === 0xe0) return [3, 0xa0, 0xbf];
  if (b === 0xed) return [3, 0x80, 0x9f];
  if (b >= 0xe1 && b <= 0xef) return [3, 0x80, 0xbf];
  if (b === 0xf0) return [4, 0x90, 0xbf];
  if (b >= 0xf1 && b <= 0xf3) return [4, 0x80, 0xbf];
  if (b === 0xf4) return [4, 0x80, 0x8f];
  return [0, 0, 0];
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const [n, lo, hi] = utf8Lead(bytes[i]!);
    if (n === 0) return i;
    for (let k = 1; k < n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n;
  }
  return bytes.length;
}

async function readAbstract(values: { abstract?: string; file?: string }): Promise<string> {
  if (values.abstract !== undefined && values.file !== undefined) {
    throw new MiniAstroError('usage', 'explain takes --abstract or --file, not both.', 'Pass one of them.');
  }
  let text: string;
  if (values.abstract !== undefined) text = values.abstract;
  else if (values.file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(values.file);
    } catch (error) {
      throw new MiniAstroError(
        'badInput',
        `cannot read ${values.file} (${describeError(error)})`,
        'Pass a text file holding one abstract.',
      );
    }
    text = decodeAbstractBytes(bytes, values.file);
  } else if (process.stdin.isTTY) {
    throw new MiniAstroError(
      'usage',
      'explain needs an abstract: --abstract TEXT, --file FILE, or text on stdin.',
      'For example: miniastrolm explain --model out/export --file abstract.txt (or: pbpaste | miniastrolm explain --model out/export)',
    );
  } else text = decodeAbstractBytes(await readStdin(), 'the text on stdin');
  if (text.trim() === '') {
    throw new MiniAstroError(
      'badInput',
      'the abstract is empty.',
      'Pass the abstract text with --abstract, --file or stdin.',
    );
  }
  return text;
}

function describeMark(mark: Mark): string {
  return `  ${mark.severity} ${mark.kind} at ${mark.start}-${mark.end} "${mark.text.length > 60 ? `${mark.text.slice(0, 57)}...` : mark.text}": ${mark.message}`;
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Explain an abstract with the student model (greedy decoding, faithfulness marks)',
  usage: `miniastrolm explain --model DIR [--abstract TEXT | --file FILE | < FILE] [options]

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
                          "fit": {"maxNewTokens", "requestedMaxNewTokens", "shrunkBy", "droppedAbstractTokens"}, ...}`,
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
      },
      'explain',
    );
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
