/**
 * Design goal: "a model folder" means what a user would point at — a Hugging Face GPT-2 folder, one training
 * checkpoint (`checkpoint-<step>/`: the HF layout plus trainer_state.json and a DONE marker, see
 * src/student/train/checkpoint.ts), or the training run's output folder holding several checkpoints (its newest
 * complete one is used) — and the prompt template comes from where training recorded it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from '../../core/errors';

/** File names of training checkpoints (src/student/train/checkpoint.ts). */
const TRAINER_STATE = 'trainer_state.json';
const TRAINER_STATE_FORMAT = 1;
const DONE = 'DONE';
const CHECKPOINT = /^checkpoint-(\d+)$/;

export const DEFAULT_PROMPT_TEMPLATE = 'abstract-explanation-v1';

/**
 * The folder holding the weights: `dir` itself, or for a run folder (no config.json, checkpoint-<step>
 * subfolders) its newest checkpoint with a DONE marker. A checkpoint without DONE was cut off while saving.
 */
export function resolveWeightsDir(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return dir;
  if (!existsSync(path.join(dir, 'config.json'))) {
    const steps = readdirSync(dir, { withFileTypes: true })
      .map((e) => (e.isDirectory() ? CHECKPOINT.exec(e.name) : null))
      .filter((m) => m !== null)
      .map((m) => ({ step: Number(m[1]), dir: path.join(dir, m[0]) }))
      .filter((c) => existsSync(path.join(c.dir, DONE)))
      .sort((a, b) => b.step - a.step);
    return steps[0]?.dir ?? dir;
  }
  if (existsSync(path.join(dir, TRAINER_STATE)) && !existsSync(path.join(dir, DONE))) {
    throw new MiniAstroError(
      'badInput',
      `${dir} is a training checkpoint without its ${DONE} marker: saving it was interrupted`,
      'Use an earlier checkpoint (or the run folder, which picks the newest complete one).',
    );
  }
  return dir;
}

/** A JSON file's value; a file that cannot be read or parsed is a MiniAstroError naming it and `what` it holds. */
export function readJsonFile(file: string, what: string, hint: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MiniAstroError('badInput', `${file}: cannot read ${what} (${describeError(error)})`, hint, {
      cause: error,
    });
  }
}

/** What inference reads from a checkpoint's trainer_state.json (src/student/train/checkpoint.ts). */
export interface RecordedTrainerState {
  readonly promptTemplate: string | undefined;
  /** sha256 of the checkpoint's model.safetensors, when recorded. */
  readonly weightsSha256: string | undefined;
}

const HINT_STATE =
  "The checkpoint's trainer_state.json is damaged: use an earlier checkpoint, or the run folder (its newest " +
  'complete checkpoint is used).';

/**
 * The checkpoint's trainer state, checked as `loss` and `train --resume` check it: a file that is not JSON, or
 * not this project's trainer state, is refused rather than ignored. Hugging Face Trainer's file of the same name
 * (global_step, log_history, no format) is not ours and is skipped. Undefined when there is none.
 */
export function readRecordedTrainerState(dir: string): RecordedTrainerState | undefined {
  const file = path.join(dir, TRAINER_STATE);
  if (!existsSync(file)) return undefined;
  const value = readJsonFile(file, 'the trainer state', HINT_STATE);
  const state = value as Record<string, unknown> | null;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new MiniAstroError('badInput', `${file}: not a trainer state (expected a JSON object)`, HINT_STATE);
  }
  if (state['format'] === undefined && 'global_step' in state && 'log_history' in state) return undefined;
  const { format, promptTemplate, weightsSha256 } = state;
  if (
    format !== TRAINER_STATE_FORMAT ||
    (promptTemplate !== undefined && typeof promptTemplate !== 'string') ||
    (weightsSha256 !== undefined && typeof weightsSha256 !== 'string')
  ) {
    throw new MiniAstroError(
      'badInput',
      `${file} is not a format-${TRAINER_STATE_FORMAT} MiniAstroLM trainer state`,
      HINT_STATE,
    );
  }
  return { promptTemplate, weightsSha256 } as RecordedTrainerState;
}

/** The template training recorded: trainer_state.json, else safetensors metadata, else the default. */
export function recordedPromptTemplate(dir: string, metadata: Readonly<Record<string, string>> = {}): string {
  const recorded = readRecordedTrainerState(dir)?.promptTemplate;
  if (recorded !== undefined) return recorded;
  return metadata['prompt_template'] ?? metadata['promptTemplate'] ?? DEFAULT_PROMPT_TEMPLATE;
}
