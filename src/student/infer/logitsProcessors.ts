/**
 * Design goal: the anti-repetition knobs of configs/generation.yaml with Hugging Face's exact semantics, so a
 * setting means the same here as in `transformers.generate` — and all of them off by default (greedy decoding
 * of the raw model is what evaluations compare). Each processor edits the next-token logits in place.
 *
 * - repetition penalty (CTRL; HF RepetitionPenaltyLogitsProcessor): for every token id already in the sequence
 *   (prompt included), a logit < 0 is multiplied by the penalty, any other divided by it;
 * - no-repeat n-gram (HF NoRepeatNGramLogitsProcessor): a token that would complete an n-gram already present in
 *   the sequence (prompt included, as HF does for decoder-only models) gets -inf;
 * - min new tokens (HF MinNewTokensLengthLogitsProcessor): EOS gets -inf until that many tokens were generated.
 */
import type { GenerationConfig } from '../config/generationConfig';

export interface DecodeState {
  /** Prompt and generated ids so far (HF's input_ids). */
  readonly ids: readonly number[];
  /** How many of `ids` were generated (the rest is the prompt). */
  readonly generated: number;
}

export type LogitsProcessor = (logits: Float32Array, state: DecodeState) => void;

export function repetitionPenalty(penalty: number): LogitsProcessor {
  if (!(penalty > 0)) throw new RangeError(`repetition penalty must be > 0, got ${penalty}`);
  return (logits, { ids }) => {
    if (penalty === 1) return;
    // Each distinct id once (HF gathers then scatters, so duplicates are penalised once).
    for (const id of new Set(ids)) {
      const x = logits[id]!;
      logits[id] = x < 0 ? x * penalty : x / penalty;
    }
  };
}

/** Tokens that would complete an n-gram already in `ids` (HF's _get_ngrams + _get_generated_ngrams). */
export function bannedNgramTokens(ids: readonly number[], n: number): Set<number> {
  const banned = new Set<number>();
  // HF: no bans while cur_len + 1 < n.
  if (n <= 0 || ids.length + 1 < n) return banned;
  if (n === 1) {
    for (const id of ids) banned.add(id);
    return banned;
  }
  const tail = ids.slice(ids.length - (n - 1));
  for (let start = 0; start + n <= ids.length; start++) {
    let match = true;
    for (let k = 0; k < n - 1; k++) {
      if (ids[start + k] !== tail[k]) {
        match = false;
        break;
      }
    }
    if (match) banned.add(ids[start + n - 1]!);
  }
  return banned;
}

export function noRepeatNgram(n: number): LogitsProcessor {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`no-repeat n-gram size must be an integer ≥ 0, got ${n}`);
  return (logits, { ids }) => {
    if (n === 0) return;
    for (const id of bannedNgramTokens(ids, n)) logits[id] = Number.NEGATIVE_INFINITY;
  };
}

export function minNewTokens(min: number, eosId: number): LogitsProcessor {
  return (logits, { generated }) => {
    if (generated < min) logits[eosId] = Number.NEGATIVE_INFINITY;
  };
}

export interface ProcessorSettings extends Pick<GenerationConfig, 'repetitionPenalty' | 'noRepeatNgramSize'> {
  /** EOS is suppressed until this many tokens were generated; 0 = off. */
  readonly minNewTokens?: number;
}

/** The processors a generation config turns on (none for the shipped defaults), in HF's order. */
export function processorsFor(settings: ProcessorSettings, eosId: number): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (settings.repetitionPenalty !== 1) list.push(repetitionPenalty(settings.repetitionPenalty));
  if (settings.noRepeatNgramSize > 0) list.push(noRepeatNgram(settings.noRepeatNgramSize));
  if ((settings.minNewTokens ?? 0) > 0) list.push(minNewTokens(settings.minNewTokens!, eosId));
  return list;
}

/** Index of the largest logit; the first on ties (torch.argmax's rule). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}
