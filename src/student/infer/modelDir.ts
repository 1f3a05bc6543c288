/**
 * Design goal: "a model folder" means what a user would point at — a Hugging Face GPT-2 folder, one training
 * checkpoint (`checkpoint-<step>/`: the HF layout plus trainer_state.json and a DONE marker, see
 * src/student/train/checkpoint.ts), or the training run's output folder holding several checkpoints (its newest
 * complete one is used) — and the prompt template comes from where training recorded it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MiniAstroError } from '../../core/errors';

/** File names of training checkpoints (src/student/train/checkpoint.ts). */
const TRAINER_STATE = 'trainer_state.json';
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

/** The template training recorded: trainer_state.json, else safetensors metadata, else the default. */
export function recordedPromptTemplate(dir: string, metadata: Readonly<Record<string, string>> = {}): string {
  const stateFile = path.join(dir, TRAINER_STATE);
  if (existsSync(stateFile)) {
    try {
      const template = (JSON.parse(readFileSync(stateFile, 'utf8')) as { promptTemplate?: unknown })
        .promptTemplate;
      if (typeof template === 'string') return template;
    } catch {
      // An unreadable trainer state does not stop inference; the metadata or the default decides.
    }
  }
  return metadata['prompt_template'] ?? metadata['promptTemplate'] ?? DEFAULT_PROMPT_TEMPLATE;
}
