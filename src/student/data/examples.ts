/**
 * Curated rows → training examples for a prefix-masked causal LM loss, in HF's convention: `labels` is aligned with
 * `inputIds` and the model shifts internally (position t predicts token t+1), so labels[t] = inputIds[t] where the
 * loss counts and IGNORE_INDEX (-100) where it does not.
 *
 *   inputIds = prompt ids + target ids + EOS
 *   labels   = -100 × prompt   + target ids + EOS
 *
 * The EOS is supervised so the model learns to stop. Labels are built here from lengths, never derived from
 * inputIds by masking the pad id: the pad id is EOS too, and masking it would unlearn stopping. With
 * `superviseEos: false` (data.superviseEos, for the EOS ablation of src/student/lab) the EOS is left out of the
 * example altogether: a last token that nothing is predicted from and no label asks for would change nothing, so
 * the example is prompt + target, and the model never sees where an explanation ends.
 *
 * Truncation, when prompt + target + EOS exceeds maxSeqLen: the target is never cut (a cut target teaches the
 * model to stop mid-sentence, or with no EOS, never to stop). The abstract is cut from its end, the template's
 * fixed text kept, down to at least `minAbstractTokens` of it; if even then the example does not fit, it is
 * rejected: 'error' stops with a message naming it, 'skip' leaves it out and reports it.
 */
import { MiniAstroError } from '../../core/errors';
import type { SourcedRow } from './rows';
import type { PromptFormat } from './template';

/** Label of a position the loss ignores (PyTorch's cross_entropy ignore_index default). */
export const IGNORE_INDEX = -100;

export type OnTooLong = 'error' | 'skip';

export interface ExampleOptions {
  maxSeqLen: number;
  minAbstractTokens: number;
  onTooLong: OnTooLong;
  /** Append the EOS token after the target and supervise it (data.superviseEos). */
  superviseEos: boolean;
}

export interface Example {
  id: string;
  inputIds: Int32Array;
  labels: Int32Array;
  /** Prompt tokens: the first supervised position. */
  promptTokens: number;
  /** Target tokens, EOS not counted; supervised tokens = targetTokens + 1 (+ 0 without EOS supervision). */
  targetTokens: number;
  abstractTokens: number;
  droppedAbstractTokens: number;
}

export interface RejectedExample {
  id: string;
  line: number;
  reason: string;
}

export interface ExamplesResult {
  examples: Example[];
  rejected: RejectedExample[];
  /** Examples whose abstract was cut. */
  truncated: number;
}

function tooLong(id: string, line: number, reason: string): MiniAstroError {
  return new MiniAstroError(
    'badInput',
    `Row ${id} (line ${line}): ${reason}`,
    'Raise data.maxSeqLen (up to the model positions), shorten this target, or set ' +
      'data.truncation.onTooLong: skip to leave such rows out.',
  );
}

/** An example, or why it cannot fit; throws only for rows that can never train (an empty target). */
export function tryBuildExample(
  format: PromptFormat,
  row: Pick<SourcedRow, 'id' | 'abstract' | 'target_explanation' | 'line'>,
  options: ExampleOptions,
): Example | RejectedExample {
  const eos = format.tokenizer.eosId;
  const targetIds = format.textIds(row.target_explanation);
  if (targetIds.length === 0) {
    // EOS alone would be "supervised", but the model would learn to answer nothing.
    throw new MiniAstroError(
      'badInput',
      `Row ${row.id} (line ${row.line}): the target explanation is empty, so nothing would be learned from it.`,
      'Remove the row or give it an explanation.',
    );
  }
  const abstractIds = format.textIds(row.abstract);
  const eosTokens = options.superviseEos ? 1 : 0;
  const supervised = targetIds.length + eosTokens;
  const budget = options.maxSeqLen - format.fixedTokens - supervised;
  const needed = Math.min(abstractIds.length, options.minAbstractTokens);
  if (budget < needed) {
    return {
      id: row.id,
      line: row.line,
      reason:
        `the target (${supervised} tokens${eosTokens ? ' with EOS' : ''}) and the prompt cut to ${needed} abstract tokens ` +
        `(${format.fixedTokens + needed} tokens) exceed maxSeqLen ${options.maxSeqLen}; the target is never cut`,
    };
  }
  const prompt = format.assemble(abstractIds, budget);
  const length = prompt.ids.length + supervised;
  const inputIds = new Int32Array(length);
  const labels = new Int32Array(length).fill(IGNORE_INDEX);
  inputIds.set(prompt.ids, 0);
  inputIds.set(targetIds, prompt.ids.length);
  labels.set(targetIds, prompt.ids.length);
  if (eosTokens > 0) {
    inputIds[length - 1] = eos;
    labels[length - 1] = eos;
  }
  const example: Example = {
    id: row.id,
    inputIds,
    labels,
    promptTokens: prompt.ids.length,
    targetTokens: targetIds.length,
    abstractTokens: prompt.abstractTokens,
    droppedAbstractTokens: prompt.droppedAbstractTokens,
  };
  checkExample(example, options.maxSeqLen);
  return example;
}

/** One example; a row that cannot fit is an error whatever `onTooLong` says (use buildExamples for 'skip'). */
export function buildExample(
  format: PromptFormat,
  row: Pick<SourcedRow, 'id' | 'abstract' | 'target_explanation' | 'line'>,
  options: ExampleOptions,
): Example {
  const built = tryBuildExample(format, row, options);
  if ('reason' in built) throw tooLong(built.id, built.line, built.reason);
  return built;
}

export function buildExamples(
  format: PromptFormat,
  rows: readonly SourcedRow[],
  options: ExampleOptions,
): ExamplesResult {
  const examples: Example[] = [];
  const rejected: RejectedExample[] = [];
  let truncated = 0;
  for (const row of rows) {
    const built = tryBuildExample(format, row, options);
    if ('reason' in built) {
      if (options.onTooLong === 'error') throw tooLong(built.id, built.line, built.reason);
      rejected.push(built);
      continue;
    }
    if (built.droppedAbstractTokens > 0) truncated++;
    examples.push(built);
  }
  if (examples.length === 0) {
    throw new MiniAstroError(
      'badInput',
      `No example fits in maxSeqLen ${options.maxSeqLen} (${rejected.length} rejected as too long).`,
      'Raise data.maxSeqLen.',
    );
  }
  return { examples, rejected, truncated };
}

/**
 * The invariants the loss relies on, for examples from anywhere (built here, loaded, hand-made in a test): equal
 * lengths, labels either ignored or equal to the token at that position, and at least one supervised token. An
 * example with none is an error, not a no-op: it means a prompt/target split went wrong (TRL's "response template
 * not found" trains on nothing without failing), and it would make a token-mean loss 0/0.
 */
export function checkExample(example: Example, maxSeqLen?: number): void {
  const { id, inputIds, labels } = example;
  const fail = (what: string): never => {
    throw new MiniAstroError(
      'badInput',
      `Example ${id}: ${what}`,
      'This is a bug in how examples were built.',
    );
  };
  if (inputIds.length !== labels.length) fail(`${inputIds.length} input ids but ${labels.length} labels`);
  if (inputIds.length === 0) fail('no tokens');
  if (maxSeqLen !== undefined && inputIds.length > maxSeqLen) {
    fail(`${inputIds.length} tokens exceed maxSeqLen ${maxSeqLen}`);
  }
  let supervised = 0;
  for (let t = 0; t < labels.length; t++) {
    const label = labels[t]!;
    if (label === IGNORE_INDEX) continue;
    if (label !== inputIds[t])
      fail(`label ${label} at position ${t} differs from its input id ${inputIds[t]}`);
    supervised++;
  }
  if (supervised === 0) fail('zero supervised tokens (every label is -100): it would train on nothing');
}

/** Supervised positions of an example (labels not IGNORE_INDEX). */
export function supervisedCount(labels: ArrayLike<number>): number {
  let n = 0;
  for (let t = 0; t < labels.length; t++) if (labels[t] !== IGNORE_INDEX) n++;
  return n;
}
