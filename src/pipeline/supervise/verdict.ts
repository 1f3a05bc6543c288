/**
 * The judge's verdict: scores on fixed scales, tags from a closed list, and a reason. Real judges write "4.5",
 * "5.0 (Excellent)", "8/10" or "80%": each is read by a stated rule or rejected with a message saying why — never
 * a crash, never a silent zero.
 */

export const errorTags = [
  'hallucination',
  'insufficient_coverage',
  'style_drift',
  'overlap',
  'truncation',
  'non_json',
  'generic_filler',
] as const;
export type ErrorTag = (typeof errorTags)[number];

export const rubricScores = ['faithfulness', 'clarity', 'jargon', 'structure', 'uncertainty'] as const;
export type RubricScore = (typeof rubricScores)[number];

export interface JudgeVerdict {
  id: string;
  scores: Record<RubricScore, number> & { overall: number };
  error_tags: ErrorTag[];
  rationale: string;
  rewrite_hint: string;
}

export interface VerdictParse {
  verdict: JudgeVerdict | null;
  /** Why the verdict is unusable (empty when it is usable). */
  errors: string[];
  /** Lenient readings that were applied, for the record ("faithfulness "4.5" read as 4"). */
  notes: string[];
}

export interface JudgeThresholds {
  minFaithfulness: number;
  minOverall: number;
}

export const defaultJudgeThresholds: JudgeThresholds = { minFaithfulness: 4, minOverall: 60 };

/** Reads one score onto the integer scale 0..max. */
function readScore(name: string, raw: unknown, max: number, notes: string[]): number | string {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string') {
    const text = raw.trim();
    const ratio = /^(-?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)/.exec(text);
    const percent = /^(-?\d+(?:\.\d+)?)\s*%/.exec(text);
    const leading = /^(-?\d+(?:\.\d+)?)(?:\s*(?:\(.*\)|[A-Za-z].*))?$/.exec(text);
    if (ratio) {
      const denominator = Number(ratio[2]);
      if (denominator <= 0) return `${name} "${raw}" has a zero denominator`;
      value = (Number(ratio[1]) / denominator) * max;
      notes.push(`${name} "${raw}" rescaled to ${max}`);
    } else if (percent && max === 100) value = Number(percent[1]);
    else if (leading) {
      value = Number(leading[1]);
      if (text !== leading[1]) notes.push(`${name} "${raw}" read as ${value}`);
    } else return `${name} "${raw}" is not a number`;
  } else if (raw === undefined || raw === null) return `${name} is missing`;
  else return `${name} is ${typeof raw}, not a number`;
  if (!Number.isFinite(value) || value < 0 || value > max) return `${name} ${value} is outside 0–${max}`;
  if (!Number.isInteger(value)) {
    // Rounding down keeps a half-point from lifting a borderline answer over an acceptance threshold.
    notes.push(`${name} ${value} rounded down to ${Math.floor(value)}`);
    value = Math.floor(value);
  }
  return value;
}

export function parseVerdict(value: unknown, expectedId: string): VerdictParse {
  const errors: string[] = [];
  const notes: string[] = [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { verdict: null, errors: ['the verdict is not a JSON object'], notes };
  }
  const record = value as Record<string, unknown>;
  const id = typeof record['id'] === 'string' ? record['id'] : '';
  if (id && id !== expectedId) errors.push(`verdict id "${id}" does not match "${expectedId}"`);
  const rawScores = record['scores'];
  const scoreSource =
    rawScores && typeof rawScores === 'object' && !Array.isArray(rawScores)
      ? (rawScores as Record<string, unknown>)
      : record;
  const scores: Partial<JudgeVerdict['scores']> = {};
  for (const name of [...rubricScores, 'overall'] as const) {
    const read = readScore(name, scoreSource[name], name === 'overall' ? 100 : 5, notes);
    if (typeof read === 'string') errors.push(read);
    else scores[name] = read;
  }
  const tags: ErrorTag[] = [];
  const rawTags = record['error_tags'] ?? [];
  if (!Array.isArray(rawTags)) errors.push('error_tags is not a list');
  else {
    for (const tag of rawTags) {
      const normal =
        typeof tag === 'string'
          ? tag
              .trim()
              .toLowerCase()
              .replace(/[\s-]+/g, '_')
          : '';
      if ((errorTags as readonly string[]).includes(normal)) {
        if (!tags.includes(normal as ErrorTag)) tags.push(normal as ErrorTag);
      } else notes.push(`unknown error tag ${JSON.stringify(tag)} ignored`);
    }
  }
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string).trim() : '');
  if (errors.length > 0) return { verdict: null, errors, notes };
  return {
    verdict: {
      id: id || expectedId,
      scores: scores as JudgeVerdict['scores'],
      error_tags: tags,
      rationale: text('rationale'),
      rewrite_hint: text('rewrite_hint'),
    },
    errors,
    notes,
  };
}

/** Why a verdict does not clear the thresholds (empty when it does). */
export function verdictShortfalls(
  verdict: JudgeVerdict,
  thresholds: JudgeThresholds = defaultJudgeThresholds,
): string[] {
  const out: string[] = [];
  if (verdict.scores.faithfulness < thresholds.minFaithfulness) {
    out.push(`judge faithfulness ${verdict.scores.faithfulness} < ${thresholds.minFaithfulness}`);
  }
  if (verdict.scores.overall < thresholds.minOverall)
    out.push(`judge overall ${verdict.scores.overall} < ${thresholds.minOverall}`);
  return out;
}
