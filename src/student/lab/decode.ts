/**
 * A trained experiment model at work: greedy explanations of rows (through explainAbstract, the path `explain`
 * and the editor take), written as outputs-<label>.jsonl rows that `eval --outputs` reads, and teacher-forced
 * token accuracy (the share of target tokens the model ranks first given the true prefix). Only the public
 * inference surface (src/student/infer/index.ts) is used.
 */
import type { GenerationConfig } from '../config/generationConfig';
import { normalizeText, PromptFormat, promptTemplate } from '../data/template';
import { argmax, explainAbstract, type InferenceModel, openInferenceModel } from '../infer';
import type { LabRow } from './rows';
import type { RunFolder } from './runFolder';

export interface DecodedRow {
  id: string;
  title: string;
  abstract: string;
  target: string | null;
  explanation: string;
  stop: 'eos' | 'max_tokens' | 'context';
  endedWithEos: boolean;
  tokens: number;
  /**
   * Share of the generated token 4-grams repeating an earlier one (EOS included): a loop of line breaks or
   * punctuation adds no words, so word-level repetition would not see it.
   */
  tokenRepeat4: number;
  /** The explanation is the teacher's, character for character (outer white space aside). */
  exact: boolean;
}

export interface DecodeSettings {
  generation: GenerationConfig;
  /** EOS suppressed until this many new tokens. */
  minNewTokens: number;
}

/**
 * The most new tokens every row's prompt leaves room for in `positions`: the template, and the abstract tokens
 * explainAbstract keeps (64, or all of a shorter abstract).
 */
export function promptRoom(format: PromptFormat, positions: number, rows: readonly LabRow[]): number {
  const kept = Math.max(...rows.map((r) => Math.min(64, format.textIds(r.abstract).length)));
  return positions - format.fixedTokens - kept;
}

export function roomToGenerate(model: InferenceModel, rows: readonly LabRow[]): number {
  const format = new PromptFormat(model.tokenizer, promptTemplate(model.promptTemplate));
  return promptRoom(format, model.config.nPositions, rows);
}

/** Opens a checkpoint (LoRA adapters merged) for the duration of `use`. */
export async function withModel<T>(dir: string, use: (model: InferenceModel) => Promise<T>): Promise<T> {
  const model = await openInferenceModel(dir);
  try {
    return await use(model);
  } finally {
    await model.release();
  }
}

export async function decodeRows(
  model: InferenceModel,
  rows: readonly LabRow[],
  settings: DecodeSettings,
  record?: { folder: RunFolder; label: string },
  onRow?: (done: number, total: number) => void,
): Promise<DecodedRow[]> {
  const out: DecodedRow[] = [];
  for (const row of rows) {
    const result = await explainAbstract(model, row.abstract, settings);
    const decoded: DecodedRow = {
      id: row.id,
      title: row.title,
      abstract: row.abstract,
      target: row.target,
      explanation: result.explanation,
      stop: result.stop,
      endedWithEos: result.stop === 'eos',
      tokens: result.tokens,
      tokenRepeat4: result.tokenRepetition.repeatedNgramShare,
      exact: row.target !== null && result.explanation === normalizeText(row.target),
    };
    out.push(decoded);
    record?.folder.appendJsonLine(`outputs-${record.label}.jsonl`, {
      id: decoded.id,
      title: decoded.title,
      abstract: decoded.abstract,
      explanation: decoded.explanation,
      target_explanation: decoded.target,
      stop: decoded.stop,
      ended_with_eos: decoded.endedWithEos,
      tokens: decoded.tokens,
      token_repeat_4gram: decoded.tokenRepeat4,
    });
    onRow?.(out.length, rows.length);
  }
  return out;
}

/**
 * Target tokens (and the EOS after them when `withEos`) that the model predicts exactly, fed the prompt and the
 * true prefix (teacher forcing): per-sample memorisation even where one early slip derails greedy decoding.
 */
export async function tokenAccuracy(
  model: InferenceModel,
  abstract: string,
  target: string,
  withEos: boolean,
): Promise<{ correct: number; total: number }> {
  const format = new PromptFormat(model.tokenizer, promptTemplate(model.promptTemplate));
  const targetIds = format.textIds(target);
  if (withEos) targetIds.push(model.config.eosTokenId);
  const prompt = format.promptIds(abstract, {
    maxTokens: model.config.nPositions - targetIds.length,
    minAbstractTokens: 64,
  });
  let correct = 0;
  let step = await model.model.step(prompt.ids);
  for (let k = 0; k < targetIds.length; k++) {
    if (argmax(step.logits) === targetIds[k]) correct++;
    if (k + 1 < targetIds.length) step = await model.model.step([targetIds[k]!], step.cache);
  }
  return { correct, total: targetIds.length };
}
