// Shared fixtures for tokenizer tests: js-tiktoken's GPT-2 as the oracle, and GPT-2's reference BPE loop.

import { getEncoding, type Tiktoken } from 'js-tiktoken';

let tiktoken: Tiktoken | undefined;

/** js-tiktoken's gpt2 ids with `<|endoftext|>` treated as plain text, our default. */
export function tiktokenIds(text: string): number[] {
  tiktoken ??= getEncoding('gpt2');
  return tiktoken.encode(text, [], []);
}

/** js-tiktoken's gpt2 ids with `<|endoftext|>` mapped to 50256, our allowSpecial. */
export function tiktokenIdsAllowSpecial(text: string): number[] {
  tiktoken ??= getEncoding('gpt2');
  return tiktoken.encode(text, 'all');
}

/**
 * `bpe()` from GPT-2's encoder.py, transcribed literally (quadratic, string-keyed) so the fast heap version
 * can be checked against the original algorithm rather than against itself.
 */
export function referenceBpe(symbols: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  let word = [...symbols];
  while (word.length > 1) {
    let best: [string, string] | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < word.length; i++) {
      const r = ranks.get(`${word[i]} ${word[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = [word[i]!, word[i + 1]!];
      }
    }
    if (best === undefined) break;
    const [first, second] = best;
    const merged: string[] = [];
    let i = 0;
    while (i < word.length) {
      const j = word.indexOf(first, i);
      if (j === -1) {
        merged.push(...word.slice(i));
        break;
      }
      merged.push(...word.slice(i, j));
      i = j;
      if (i < word.length - 1 && word[i + 1] === second) {
        merged.push(first + second);
        i += 2;
      } else {
        merged.push(word[i]!);
        i += 1;
      }
    }
    word = merged;
  }
  return word;
}
