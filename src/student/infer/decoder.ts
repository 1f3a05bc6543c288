/**
 * Design goal: greedy decoding that is fast (a KV cache: the prompt is encoded once, then each step feeds one
 * token and the cached keys/values) and provably the same as the slow obvious loop (`useCache: false` re-encodes
 * the whole sequence every step; a test checks both give the same tokens). Greedy means deterministic: one
 * checkpoint and one prompt always give one text, so evaluations compare across runs.
 *
 * Stops, in this order of precedence: EOS ('eos', when stopAtEos), maxNewTokens generated ('max_tokens'), the
 * sequence filling the model's positions ('context').
 */
import { performance } from 'node:perf_hooks';
import type { KvModel } from './kvModel';
import { argmax, type LogitsProcessor } from './logitsProcessors';

export type StopReason = 'eos' | 'max_tokens' | 'context';

export interface DecodeOptions {
  /** Tokens generated at most (EOS included). */
  readonly maxNewTokens: number;
  readonly eosId: number;
  /** Default true. */
  readonly stopAtEos?: boolean;
  /** Applied in order to each step's logits (see logitsProcessors.ts); none by default. */
  readonly processors?: readonly LogitsProcessor[];
  /** Default true; false re-encodes the whole sequence at every step (the reference the cache is checked against). */
  readonly useCache?: boolean;
  /** Turns ids into text; without it `text` is ''. */
  readonly tokenizer?: { decode(ids: readonly number[]): string };
  /** Called with each generated token id as it is chosen (for streaming). */
  readonly onToken?: (id: number, index: number) => void;
  readonly signal?: AbortSignal;
}

export interface DecodeTimings {
  /** Encoding the prompt and choosing the first token. */
  readonly prefillMs: number;
  /** Mean time of the steps after the first (0 when there were none). */
  readonly msPerToken: number;
  readonly totalMs: number;
  /** Model runs after the prefill. */
  readonly steps: number;
}

export interface DecodeResult {
  /** Generated ids, the final EOS included when stop is 'eos'. */
  readonly tokenIds: number[];
  /** Text of the generated ids without the final EOS. */
  readonly text: string;
  readonly stop: StopReason;
  readonly promptTokens: number;
  readonly timings: DecodeTimings;
}

export async function greedyDecode(
  model: KvModel,
  promptIds: readonly number[],
  options: DecodeOptions,
): Promise<DecodeResult> {
  const { nPositions, vocabSize } = model.config;
  if (promptIds.length === 0) throw new RangeError('greedyDecode: the prompt is empty');
  if (promptIds.length >= nPositions) {
    throw new RangeError(
      `greedyDecode: a ${promptIds.length}-token prompt leaves no room in the model's ${nPositions} positions`,
    );
  }
  for (const id of promptIds) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
      throw new RangeError(`greedyDecode: token id ${id} is outside the model's vocabulary (${vocabSize})`);
  }
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1)
    throw new RangeError(`greedyDecode: maxNewTokens must be an integer ≥ 1, got ${options.maxNewTokens}`);
  const stopAtEos = options.stopAtEos ?? true;
  const useCache = options.useCache ?? true;
  const processors = options.processors ?? [];

  const ids = [...promptIds];
  const generated: number[] = [];
  const start = performance.now();
  let prefillMs = 0;
  let steps = 0;
  let cache = useCache ? model.emptyCache() : undefined;
  let feed: readonly number[] = promptIds;
  let stop: StopReason;
  for (;;) {
    options.signal?.throwIfAborted();
    const step = await model.step(useCache ? feed : ids, useCache ? cache : undefined);
    cache = step.cache;
    const logits = step.logits;
    for (const p of processors) p(logits, { ids, generated: generated.length });
    const next = argmax(logits);
    if (generated.length === 0) prefillMs = performance.now() - start;
    else steps++;
    generated.push(next);
    ids.push(next);
    options.onToken?.(next, generated.length - 1);
    if (stopAtEos && next === options.eosId) {
      stop = 'eos';
      break;
    }
    if (generated.length >= options.maxNewTokens) {
      stop = 'max_tokens';
      break;
    }
    // The sequence fills the positions (HF's max_length = n_positions): nothing more can be generated.
    if (ids.length >= nPositions) {
      stop = 'context';
      break;
    }
    feed = [next];
  }
  const totalMs = performance.now() - start;
  const textIds = stop === 'eos' ? generated.slice(0, -1) : generated;
  return {
    tokenIds: generated,
    text: options.tokenizer ? options.tokenizer.decode(textIds) : '',
    stop,
    promptTokens: promptIds.length,
    timings: { prefillMs, msPerToken: steps > 0 ? (totalMs - prefillMs) / steps : 0, totalMs, steps },
  };
}
