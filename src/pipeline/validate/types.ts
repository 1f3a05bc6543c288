// The shared vocabulary of the v1-explanation validators: inputs, errors, thresholds and their one home of defaults.

export type RuleName =
  | 'word_range'
  | 'paragraphs'
  | 'banned_phrases'
  | 'copy_overlap'
  | 'new_numbers'
  | 'format'
  | 'id_match';

/** Every rule, in the order the runner applies them (cheap structural checks first, for readable reports). */
export const ruleNames: readonly RuleName[] = [
  'id_match',
  'word_range',
  'paragraphs',
  'format',
  'banned_phrases',
  'copy_overlap',
  'new_numbers',
];

export interface ValidationError {
  rule: RuleName;
  /** Stable machine code within the rule (e.g. `too_long`), for counting and for repair prompts. */
  code: string;
  /** One human line, e.g. "Expected 4 paragraphs; found 2". */
  message: string;
  details?: Record<string, unknown>;
}

export interface ValidationInput {
  /** The id the explanation row carries (what the teacher echoed back). */
  id: string;
  /** The id of the paper the explanation was requested for. */
  expectedId: string;
  abstract: string;
  explanation: string;
}

export interface ValidatorConfig {
  /** Inclusive word-count bounds of the whole explanation. */
  minWords: number;
  maxWords: number;
  /** Inclusive bounds on the number of blank-line-separated paragraphs; min === max asks for an exact count. */
  paragraphs: { min: number; max: number };
  /** A "paragraph" shorter than this is a heading or a stray line, not a step of the explanation. */
  minParagraphWords: number;
  /** Academic-reporting phrases; matched case-insensitively, at word boundaries, across any whitespace. */
  bannedPhrases: readonly string[];
  copy: {
    /** Longest run of consecutive words shared with the abstract that is still tolerated. */
    maxSharedRun: number;
    /** n of the n-grams used for the patchwork-copy share. */
    ngramSize: number;
    /** Highest tolerated share of the explanation's word n-grams that also occur in the abstract. */
    maxNgramShare: number;
  };
  numbers: {
    /** How many distinct new numbers are tolerated (0: none). */
    maxNew: number;
    /** Spelled numbers in the abstract ("two", "six", "twice", "half") license their digits; never "one" or ordinals. */
    spelledInAbstract: boolean;
    /** "56%" in the explanation is accepted when the abstract gives the fraction 0.56. */
    percentMatchesFraction: boolean;
    /** A number with 2+ significant digits may round an abstract number: "22" for 22.0064, "10" for 10.4. */
    allowRounding: boolean;
    /** Numbers always accepted, written as in text (e.g. "1" to tolerate "1:1"); empty by default. */
    allowed: readonly string[];
  };
  format: {
    /** `$...$`, `\command`, `^{...}`, `_{...}`. */
    latex: boolean;
    /** Plain-text formula syntax: `10^5`, `B^2`, `L_X`. */
    mathNotation: boolean;
    /** `**bold**`, `*emphasis*`, `# heading`, `` `code` ``, `[link](url)`. */
    markdown: boolean;
    /** Bullet or numbered lines, "Paragraph 1:" labels, short "Heading:" lines. */
    lists: boolean;
    /** Double-escaped JSON: a literal backslash-n where a line break was meant. */
    literalEscapes: boolean;
  };
  /** Rules not run (reported as passing in `byRule`). */
  disabled: readonly RuleName[];
}

/** The v1 contract. The single place where defaults live; configs/pipeline.yaml mirrors these values. */
export const defaultValidatorConfig: ValidatorConfig = {
  minWords: 180,
  maxWords: 220,
  paragraphs: { min: 4, max: 4 },
  minParagraphWords: 8,
  bannedPhrases: [
    'we present',
    'we show',
    'we find',
    'we found',
    'we propose',
    'we investigate',
    'we study',
    'we explore',
    'we report',
    'we demonstrate',
    'we argue',
    'here we',
    'in this paper',
    'this paper',
    'in this study',
    'this study',
    'in this work',
    'this work',
    'this article',
    'the authors',
    'our results',
    'our findings',
    'the abstract',
  ],
  copy: { maxSharedRun: 12, ngramSize: 8, maxNgramShare: 0.1 },
  numbers: {
    maxNew: 0,
    spelledInAbstract: true,
    percentMatchesFraction: true,
    allowRounding: true,
    allowed: [],
  },
  format: { latex: true, mathNotation: true, markdown: true, lists: true, literalEscapes: true },
  disabled: [],
};

export type Rule = (input: ValidationInput, config: ValidatorConfig) => ValidationError[];
