/**
 * Design goal: one honest number for "does the quantised model write what the float32 one writes": greedy-token
 * agreement position by position. The reference model decodes greedily; the candidate is fed the reference's
 * own tokens (teacher forcing) and, at every position, its greedy choice is compared with the reference's — so
 * one early difference is counted once, not as the whole rest of the text. The free-running view (how long the
 * two greedy texts stay identical) is reported beside it.
 */
import { greedyDecode } from './decoder';
import type { KvModel } from './kvModel';
import { argmax } from './logitsProcessors';

export interface AgreementReport {
  /** Positions compared (over all prompts). */
  readonly positions: number;
  /** Positions where the candidate's greedy token equals the reference's. */
  readonly agreeing: number;
  /** agreeing / positions. */
  readonly rate: number;
  /** Per prompt: tokens the two free-running greedy texts share before they first differ. */
  readonly identicalPrefix: number[];
  /** Per prompt: tokens the reference generated. */
  readonly generated: number[];
}

export async function greedyAgreement(
  reference: KvModel,
  candidate: KvModel,
  prompts: readonly (readonly number[])[],
  options: { maxNewTokens: number; eosId: number },
): Promise<AgreementReport> {
  let positions = 0;
  let agreeing = 0;
  const identicalPrefix: number[] = [];
  const generated: number[] = [];
  for (const prompt of prompts) {
    const decodeOptions = { maxNewTokens: options.maxNewTokens, eosId: options.eosId };
    const want = (await greedyDecode(reference, prompt, decodeOptions)).tokenIds;
    const free = (await greedyDecode(candidate, prompt, decodeOptions)).tokenIds;
    let same = 0;
    while (same < Math.min(want.length, free.length) && want[same] === free[same]) same++;
    identicalPrefix.push(same);
    generated.push(want.length);
    // Teacher forcing: the candidate reads the reference's tokens and is asked for the next one each time.
    let step = await candidate.step(prompt);
    for (let i = 0; i < want.length; i++) {
      positions++;
      if (argmax(step.logits) === want[i]) agreeing++;
      if (i + 1 < want.length) step = await candidate.step([want[i]!], step.cache);
    }
  }
  return {
    positions,
    agreeing,
    rate: positions === 0 ? 1 : agreeing / positions,
    identicalPrefix,
    generated,
  };
}
