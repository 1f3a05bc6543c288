/**
 * The prompt the student sees, as data, and the ONE function that turns an abstract into prompt token ids, used by
 * training and inference alike: a model fine-tuned on one rendering and queried with another (an extra space, a
 * different line break) silently loses accuracy, so no other code may build prompt ids.
 *
 * Ids are built per segment — fixed prefix, abstract, fixed suffix — and concatenated, so the abstract can be cut
 * at a token boundary while the template's fixed text stays whole. The shipped template ends each fixed part with
 * a line break, where GPT-2's pre-tokenizer always splits, so for untruncated text the ids equal those of
 * encoding the whole string at once (a test checks this on the real rows): another framework that tokenizes
 * `prompt + target` in one call gets the same ids.
 */
import { MiniAstroError } from '../../core/errors';
import type { Gpt2Tokenizer } from '../tokenizer';

export interface PromptTemplate {
  /** Stored with a checkpoint: a model must be queried with the template it was trained on. */
  readonly name: string;
  /** Contains `{abstract}` exactly once; the target explanation follows the text directly. */
  readonly text: string;
}

const ABSTRACT = '{abstract}';

/** Named templates. A changed text gets a new name (-v2), never an edit: old checkpoints keep their prompt. */
export const PROMPT_TEMPLATES: Readonly<Record<string, PromptTemplate>> = {
  'abstract-explanation-v1': {
    name: 'abstract-explanation-v1',
    text: 'Abstract:\n{abstract}\n\nExplanation:\n',
  },
};

export function promptTemplate(name: string): PromptTemplate {
  const template = PROMPT_TEMPLATES[name];
  if (!template) {
    throw new MiniAstroError(
      'badInput',
      `Unknown prompt template "${name}".`,
      `Use one of: ${Object.keys(PROMPT_TEMPLATES).join(', ')}.`,
    );
  }
  return template;
}

/**
 * Outer whitespace is dropped from abstracts and targets: a trailing newline in a target would teach the model to
 * emit one before EOS, and a leading space would change the first token after the prompt.
 */
export function normalizeText(text: string): string {
  return text.trim();
}

/** The prompt as text (for display and for other frameworks); `encode` of it equals PromptFormat's ids. */
export function renderPrompt(template: PromptTemplate, abstract: string): string {
  // A replacer function, not a string: abstracts hold LaTeX, and `$&` or `$'` in a string would be expanded.
  return template.text.replace(ABSTRACT, () => normalizeText(abstract));
}

export interface PromptIds {
  ids: number[];
  /** Tokens of the (normalized) abstract before any cut. */
  abstractTokens: number;
  /** Tokens of the abstract that were cut from its end to fit. */
  droppedAbstractTokens: number;
}

/** A template bound to a tokenizer: its fixed parts encoded once. */
export class PromptFormat {
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];

  constructor(
    readonly tokenizer: Gpt2Tokenizer,
    readonly template: PromptTemplate,
  ) {
    const at = template.text.indexOf(ABSTRACT);
    if (at < 0 || template.text.indexOf(ABSTRACT, at + 1) >= 0) {
      throw new MiniAstroError(
        'badInput',
        `Prompt template "${template.name}" must contain ${ABSTRACT} exactly once.`,
        'Fix the template text.',
      );
    }
    this.prefixIds = tokenizer.encode(template.text.slice(0, at));
    this.suffixIds = tokenizer.encode(template.text.slice(at + ABSTRACT.length));
  }

  /** Tokens of the template's fixed text: the least a prompt can be. */
  get fixedTokens(): number {
    return this.prefixIds.length + this.suffixIds.length;
  }

  /** Ids of a normalized abstract or target. Special-token text in them stays ordinary text (never an EOS). */
  textIds(text: string): number[] {
    return this.tokenizer.encode(normalizeText(text));
  }

  /** The prompt around the first `keep` abstract ids. Training and inference both end here. */
  assemble(abstractIds: readonly number[], keep: number = abstractIds.length): PromptIds {
    const kept = Math.max(0, Math.min(keep, abstractIds.length));
    return {
      ids: [...this.prefixIds, ...abstractIds.slice(0, kept), ...this.suffixIds],
      abstractTokens: abstractIds.length,
      droppedAbstractTokens: abstractIds.length - kept,
    };
  }

  /**
   * Prompt ids for inference. With `maxTokens` (e.g. the model's positions minus the tokens to generate), the
   * abstract is cut from its end exactly as training cuts it; fewer than `minAbstractTokens` of it left is an error.
   */
  promptIds(abstract: string, options: { maxTokens?: number; minAbstractTokens?: number } = {}): PromptIds {
    const abstractIds = this.textIds(abstract);
    const budget = (options.maxTokens ?? Number.POSITIVE_INFINITY) - this.fixedTokens;
    const needed = Math.min(abstractIds.length, options.minAbstractTokens ?? 0);
    if (budget < needed) {
      throw new MiniAstroError(
        'badInput',
        `The prompt does not fit in ${options.maxTokens} tokens: the template takes ${this.fixedTokens} and at ` +
          `least ${needed} of the abstract's ${abstractIds.length} must stay.`,
        'Generate fewer new tokens, or use a model with more positions.',
      );
    }
    return this.assemble(abstractIds, budget);
  }
}
