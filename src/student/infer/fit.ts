/**
 * Design goal: honest limits. A model has a fixed number of positions, shared by the prompt and what it writes.
 * When both do not fit, the generation budget shrinks first — down to a stated floor (configs/generation.yaml,
 * maxNewTokensFloor) — and only then is the abstract cut from its end, as training cuts it; never a negative
 * count, and the caller learns exactly what was given up (tokens of generation, tokens of abstract) to show it.
 */
import { MiniAstroError } from '../../core/errors';
import type { PromptFormat, PromptIds } from '../data/template';

export interface GenerationFit {
  /** The model's positions (prompt and generated tokens together). */
  readonly positions: number;
  /** maxNewTokens as asked. */
  readonly requestedMaxNewTokens: number;
  /** maxNewTokens used: the request, or less so the prompt fits. */
  readonly maxNewTokens: number;
  /** requestedMaxNewTokens - maxNewTokens. */
  readonly shrunkBy: number;
  readonly abstractTokens: number;
  /** Abstract tokens cut from its end. */
  readonly droppedAbstractTokens: number;
  readonly promptTokens: number;
}

export interface FitOptions {
  readonly positions: number;
  readonly maxNewTokens: number;
  /** The least the generation budget shrinks to before the abstract is cut (capped at maxNewTokens). */
  readonly maxNewTokensFloor: number;
  /** At least this many abstract tokens stay (as in training); fewer is an error. */
  readonly minAbstractTokens: number;
}

/** The prompt ids and generation budget for `abstract` in `options.positions`. Throws MiniAstroError when none fits. */
export function fitPrompt(
  format: PromptFormat,
  abstract: string,
  options: FitOptions,
): { prompt: PromptIds; fit: GenerationFit } {
  const { positions, maxNewTokens: requested } = options;
  const abstractIds = format.textIds(abstract);
  const fixed = format.fixedTokens;
  const room = positions - fixed - abstractIds.length;
  const floor = Math.max(1, Math.min(options.maxNewTokensFloor, requested));
  let maxNew: number;
  let keep = abstractIds.length;
  if (room >= floor) maxNew = Math.min(requested, room);
  else {
    maxNew = floor;
    keep = positions - fixed - maxNew;
    const needed = Math.min(abstractIds.length, options.minAbstractTokens);
    if (keep < needed) {
      throw new MiniAstroError(
        'badInput',
        `The model has ${positions} positions: the prompt template takes ${fixed}, at least ${needed} of the ` +
          `abstract's ${abstractIds.length} tokens must stay and at least ${maxNew} new tokens must fit.`,
        'Lower maxNewTokensFloor in the generation config (or --max-new-tokens), or use a model with more positions.',
      );
    }
  }
  const prompt = format.assemble(abstractIds, keep);
  return {
    prompt,
    fit: {
      positions,
      requestedMaxNewTokens: requested,
      maxNewTokens: maxNew,
      shrunkBy: requested - maxNew,
      abstractTokens: abstractIds.length,
      droppedAbstractTokens: prompt.droppedAbstractTokens,
      promptTokens: prompt.ids.length,
    },
  };
}
