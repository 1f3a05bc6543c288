/**
 * Design goal: tell a reader of a generated explanation where not to trust it, with the SAME judgement the
 * supervision pipeline applies to the teacher's explanations (src/pipeline/validate: the new_numbers and
 * copy_overlap rules run through validateExplanation), but as character spans the editor can underline:
 *
 * - new_number: a number the abstract does not license (invented data, the worst failure of a small model);
 * - copied: a stretch of at least `copy.ngramSize` words found in order in the abstract (an error when longer
 *   than `copy.maxSharedRun`, the rule's limit; a warning otherwise: the patchwork the n-gram share counts);
 * - repetition: words repeating an earlier stretch of the explanation (a greedy loop);
 * - new_entity: a name the abstract never mentions (an invented telescope, survey or object; see
 *   src/pipeline/validate/entities.ts: recognised by spelling, so a warning, not an error).
 *
 * Offsets are UTF-16 code units into the explanation string (what VS Code's positionAt takes), end exclusive.
 */
import { newEntities } from '../../pipeline/validate/entities';
import { extractFromPlain, plainMath } from '../../pipeline/validate/numberForms';
import {
  defaultValidatorConfig,
  type RuleName,
  ruleNames,
  type ValidatorConfig,
} from '../../pipeline/validate/types';
import { type ValidationResult, validateExplanation } from '../../pipeline/validate/validate';
import { type RepetitionStats, repeatedSpans, repetitionStats } from './repetition';

export type MarkKind = 'new_number' | 'copied' | 'repetition' | 'new_entity';

export interface Mark {
  readonly kind: MarkKind;
  readonly severity: 'error' | 'warning';
  readonly start: number;
  readonly end: number;
  /** explanation.slice(start, end). */
  readonly text: string;
  readonly message: string;
}

export interface FaithfulnessReport {
  /** Sorted by start. */
  readonly marks: Mark[];
  /** The validators' verdict, new_numbers and copy_overlap only (the other rules judge the teacher's format). */
  readonly validation: ValidationResult;
  /** Distinct numbers not in the abstract, as written. */
  readonly newNumbers: string[];
  /** Distinct names not in the abstract, as written. */
  readonly newEntities: string[];
  /** Word-level repetition (see repetition.ts). */
  readonly repetition: RepetitionStats;
}

export interface FaithfulnessOptions {
  readonly validators?: ValidatorConfig;
  /** n of the repeated-n-gram share. Default 4. */
  readonly repetitionNgram?: number;
  /** Shortest repeated stretch (in words) that is marked. Default 8. */
  readonly repetitionMinSpan?: number;
}

const CHECKED: readonly RuleName[] = ['new_numbers', 'copy_overlap'];

/** A word with its place in the text. */
interface Word {
  readonly token: string;
  readonly start: number;
  readonly end: number;
}

// A literal backslash-n meant as a line break, as in src/pipeline/validate/text.ts (normalizeBreaks).
const LITERAL_NEWLINE = /\\n(?=\\n|[^a-z]|$)|(?<=\\n)\\n/g;

/**
 * The words of `overlapTokens` (src/pipeline/validate/text.ts: lower-cased letter/digit runs, LaTeX command
 * names dropped, literal `\n` escapes read as breaks) with their offsets in `text`.
 */
export function wordsWithOffsets(text: string): Word[] {
  // Same-length replacement keeps offsets: `\n` escapes become two spaces before commands are recognised.
  const cleaned = text.replace(LITERAL_NEWLINE, (m) => ' '.repeat(m.length));
  const words: Word[] = [];
  for (const m of cleaned.matchAll(/\\[a-zA-Z]+|[\p{L}\p{N}]+/gu)) {
    if (m[0].startsWith('\\')) continue;
    const start = m.index ?? 0;
    words.push({ token: m[0].toLowerCase(), start, end: start + m[0].length });
  }
  return words;
}

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** 'a' for an ASCII digit, 's' for a superscript digit, '' otherwise. */
function digitKind(c: string | undefined): 'a' | 's' | '' {
  if (c === undefined) return '';
  if (c >= '0' && c <= '9') return 'a';
  return SUPERSCRIPT_DIGITS.includes(c) ? 's' : '';
}

/**
 * The next whole digit run spelling `run` (in ASCII or superscript digits) at or after `from`; with `first`, not
 * glued to a preceding name (GW170817), as extractNumbers('skip') reads numbers.
 */
function findRun(text: string, run: string, from: number, first: boolean): number {
  const pattern = new RegExp([...run].map((d) => `[${d}${SUPERSCRIPT_DIGITS[Number(d)]}]`).join(''), 'g');
  pattern.lastIndex = from;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const at = m.index;
    pattern.lastIndex = at + 1;
    const before = text[at - 1];
    const kind = digitKind(text[at]);
    if (digitKind(text[at + run.length - 1]) !== kind) continue;
    if (digitKind(before) === kind || digitKind(text[at + run.length]) === kind) continue;
    if (first && before !== undefined && /[\p{L}\p{N}_^]/u.test(before)) continue;
    return at;
  }
  return -1;
}

/**
 * Spans of the numbers whose raw form is in `offending`. The validators read numbers from plainMath(text), whose
 * offsets differ from the text's wherever LaTeX or superscripts were flattened; but the digits stay in order,
 * so each number the rule saw is found in the original by walking its digit runs in step with the text.
 */
function numberSpans(
  explanation: string,
  offending: ReadonlySet<string>,
): { start: number; end: number; raw: string }[] {
  const text = explanation;
  const spans: { start: number; end: number; raw: string }[] = [];
  let cursor = 0;
  for (const token of extractFromPlain(plainMath(explanation), 'skip')) {
    const runs = token.raw.match(/\d+/g) ?? [];
    let at = cursor;
    let start = -1;
    let end = -1;
    for (const [k, run] of runs.entries()) {
      const found = findRun(text, run, at, k === 0);
      if (found < 0) {
        end = -1;
        break;
      }
      if (k === 0) start = found - (token.raw.startsWith('.') ? 1 : 0);
      end = found + run.length;
      at = end;
    }
    if (start < 0 || end < 0 || runs.length === 0) continue;
    cursor = end;
    if (!offending.has(token.raw)) continue;
    // What follows the last digit in the raw form: a percent sign or a scale/percent word.
    const tail = /(%|per\s?cent|percent|hundred|thousand|million|billion|trillion)$/i.exec(token.raw)?.[1];
    if (tail) {
      const after = new RegExp(`^[\\s\\\\]{0,3}${tail === '%' ? '%' : tail.replace(/\s/, '\\s?')}`, 'i').exec(
        text.slice(end),
      );
      if (after) end += after[0].length;
    }
    // Close braces opened inside the span (10^{16}).
    let open = 0;
    for (let i = start; i < end; i++) open += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
    while (open > 0 && text[end] === '}') {
      end++;
      open--;
    }
    spans.push({ start, end, raw: token.raw });
  }
  return spans;
}

/** Merged [start, end) word-index ranges that occur in the abstract, each at least `min` words. */
function copiedRuns(words: readonly Word[], abstractTokens: readonly string[], min: number) {
  const positions = new Map<string, number[]>();
  abstractTokens.forEach((t, j) => {
    const list = positions.get(t);
    if (list) list.push(j + 1);
    else positions.set(t, [j + 1]);
  });
  let prev = new Map<number, number>();
  const runs: { start: number; end: number; longest: number }[] = [];
  for (let i = 0; i < words.length; i++) {
    const cur = new Map<number, number>();
    let best = 0;
    for (const j of positions.get(words[i]!.token) ?? []) {
      const v = (prev.get(j - 1) ?? 0) + 1;
      cur.set(j, v);
      if (v > best) best = v;
    }
    prev = cur;
    if (best < min) continue;
    const start = i - best + 1;
    const last = runs[runs.length - 1];
    if (last && start <= last.end) {
      last.end = i + 1;
      last.longest = Math.max(last.longest, best);
    } else runs.push({ start, end: i + 1, longest: best });
  }
  return runs;
}

export function faithfulnessMarks(
  abstract: string,
  explanation: string,
  options: FaithfulnessOptions = {},
): FaithfulnessReport {
  const base = options.validators ?? defaultValidatorConfig;
  const config: ValidatorConfig = { ...base, disabled: ruleNames.filter((r) => !CHECKED.includes(r)) };
  const validation = validateExplanation({ id: 'x', expectedId: 'x', abstract, explanation }, config);
  const marks: Mark[] = [];
  const mark = (kind: MarkKind, severity: Mark['severity'], start: number, end: number, message: string) =>
    marks.push({ kind, severity, start, end, text: explanation.slice(start, end), message });

  // new_numbers with maxNew 0 lists every offending number, even when the rule's tolerance lets the row pass.
  const numbersCheck = validateExplanation(
    { id: 'x', expectedId: 'x', abstract, explanation },
    {
      ...config,
      numbers: { ...config.numbers, maxNew: 0 },
      disabled: ruleNames.filter((r) => r !== 'new_numbers'),
    },
  );
  const newNumbers = (numbersCheck.errors[0]?.details?.['tokens'] as string[] | undefined) ?? [];
  for (const span of numberSpans(explanation, new Set(newNumbers))) {
    mark('new_number', 'error', span.start, span.end, `${span.raw} is not in the abstract`);
  }

  const words = wordsWithOffsets(explanation);
  const abstractWords = wordsWithOffsets(abstract).map((w) => w.token);
  const { ngramSize, maxSharedRun } = config.copy;
  for (const run of copiedRuns(words, abstractWords, ngramSize)) {
    const over = run.longest > maxSharedRun;
    mark(
      'copied',
      over ? 'error' : 'warning',
      words[run.start]!.start,
      words[run.end - 1]!.end,
      over
        ? `Copied from the abstract: ${run.longest} words in a row (at most ${maxSharedRun})`
        : `${run.longest} words in a row as in the abstract`,
    );
  }

  const entities = newEntities(abstract, explanation);
  for (const entity of entities) {
    const pattern = new RegExp(
      `(?<![\\p{L}\\p{N}])${entity.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`,
      'gu',
    );
    for (const m of explanation.matchAll(pattern)) {
      mark(
        'new_entity',
        'warning',
        m.index ?? 0,
        (m.index ?? 0) + m[0].length,
        `${entity} is not named in the abstract`,
      );
    }
  }

  const tokens = words.map((w) => w.token);
  for (const span of repeatedSpans(tokens, options.repetitionMinSpan ?? 8)) {
    mark(
      'repetition',
      'warning',
      words[span.start]!.start,
      words[span.end - 1]!.end,
      `Repeats an earlier ${span.length}-word stretch of the explanation`,
    );
  }
  marks.sort((a, b) => a.start - b.start || a.end - b.end);
  return {
    marks,
    validation,
    newNumbers,
    newEntities: entities,
    repetition: repetitionStats(tokens, options.repetitionNgram ?? 4),
  };
}
