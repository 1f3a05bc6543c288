/**
 * Import of the seed project's v1 files (teacher rows accepted or rejected by its own rules, and its frozen eval
 * abstracts), re-validated under our rules, with a report shaped like the seed's stats.json: the pass rate of each
 * validator and the most frequent failure messages. Rows that pass await our judge; rows that fail are kept as
 * rejected with their reasons; eval abstracts are frozen out of training.
 */
import { readFileSync } from 'node:fs';
import { type Clock, isoNow } from '../../core/clock';
import { describeError, MiniAstroError } from '../../core/errors';
import { decodeText } from '../../core/textDecoding';
import { parseArxivId } from '../arxiv/ids';
import { normalizeWhitespace } from '../arxiv/text';
import type { Db } from '../store/database';
import { PaperStore } from '../store/papers';
import { type StoredError, SupervisionStore } from '../store/supervision';
import { extractJsonObject } from '../supervise/json/extractJson';
import { parsePythonLiteral } from '../supervise/json/pythonLiteral';
import { checkTeacherAnswer } from '../supervise/teacherAnswer';
import { ruleNames, type ValidatorConfig } from '../validate/types';
import { freezeEvalIds } from './export';

export interface ImportV1Report {
  rows: number;
  /** Rows whose explanation passes every one of our validators. */
  accepted: number;
  /** Per rule: share of rows with an explanation that pass it. `answer` covers unparseable or empty answers. */
  pass_rates: Record<string, number>;
  top_failures: { error: string; count: number }[];
  /** Rows frozen for evaluation (eval files only). */
  frozen_eval: number;
  skipped: { line: number; reason: string }[];
  kind: 'teacher' | 'eval';
}

const seedPrompt = { name: 'seed-v1', hash: 'seed-v1' } as const;

/** The explanation text in one seed row, from the accepted layout (object) or the rejected one (Python repr). */
function seedExplanation(output: unknown): {
  text: string | null;
  rowId: string | null;
  problem: string | null;
} {
  let value: unknown = output;
  if (typeof output === 'string') {
    try {
      value = parsePythonLiteral(output);
    } catch (error) {
      return {
        text: null,
        rowId: null,
        problem: `output is not a readable Python literal: ${describeError(error)}`,
      };
    }
  }
  if (!value || typeof value !== 'object')
    return { text: null, rowId: null, problem: 'output is not an object' };
  const record = value as Record<string, unknown>;
  const rowId = typeof record['id'] === 'string' ? record['id'] : null;
  if (typeof record['explanation'] === 'string' && record['explanation'].trim()) {
    return { text: record['explanation'], rowId, problem: null };
  }
  // Rejected rows leave the explanation empty and keep the teacher's raw last answer.
  const last = record['last_response'];
  if (typeof last === 'string') {
    const extracted = extractJsonObject(last);
    if ('error' in extracted) return { text: last, rowId, problem: null };
    const inner = extracted.value;
    const text = inner['explanation'] ?? inner['target_explanation'];
    return {
      text: typeof text === 'string' ? text : null,
      rowId: typeof inner['id'] === 'string' ? inner['id'] : rowId,
      problem: null,
    };
  }
  return { text: null, rowId, problem: 'output has neither "explanation" nor "last_response"' };
}

export function importSeedV1(
  file: string,
  deps: { db: Db; clock: Clock; validators: ValidatorConfig },
): ImportV1Report {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new MiniAstroError('badInput', `Cannot read ${file}: ${describeError(error)}`, 'Check the path.');
  }
  const text = decodeText(bytes, file, { after: 'Nothing was imported.' });
  const papers = new PaperStore(deps.db);
  const supervision = new SupervisionStore(deps.db);
  const now = isoNow(deps.clock);
  const passes: Record<string, number> = Object.fromEntries(['answer', ...ruleNames].map((r) => [r, 0]));
  const failures = new Map<string, number>();
  const skipped: ImportV1Report['skipped'] = [];
  const evalIds: string[] = [];
  let rows = 0;
  let accepted = 0;
  let kind: ImportV1Report['kind'] | null = null;

  deps.db.transaction(() => {
    text.split(/\r?\n/).forEach((line, index) => {
      if (!line.trim()) return;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        skipped.push({ line: index + 1, reason: `not JSON: ${describeError(error)}` });
        return;
      }
      const idText = typeof record['id'] === 'string' ? record['id'] : '';
      const abstract =
        typeof record['input'] === 'string'
          ? record['input']
          : typeof record['abstract'] === 'string'
            ? record['abstract']
            : '';
      const title = typeof record['title'] === 'string' ? record['title'] : '';
      let id: string;
      try {
        id = parseArxivId(idText).id;
      } catch {
        skipped.push({ line: index + 1, reason: `"${idText.slice(0, 60)}" is not an arXiv id` });
        return;
      }
      if (!abstract || !title) {
        skipped.push({ line: index + 1, reason: `${id}: missing title or input abstract` });
        return;
      }
      rows++;
      const version = parseArxivId(idText).version;
      papers.upsertMany(
        [
          {
            id,
            version,
            title: normalizeWhitespace(title),
            abstract: normalizeWhitespace(abstract),
            authors: [],
            categories: [],
            primaryCategory: null,
            published: null,
            updated: null,
            doi: null,
            journalRef: null,
            comment: null,
          },
        ],
        'import',
        now,
      );
      const rowKind = 'output' in record ? 'teacher' : 'eval';
      kind ??= rowKind;
      if (rowKind === 'eval') {
        evalIds.push(id);
        return;
      }
      const { text: explanation, problem } = seedExplanation(record['output']);
      const paper = { id, abstract: normalizeWhitespace(abstract) };
      // The seed's rows carry abs-URL ids; the answer is judged against the same paper id either way.
      const check = explanation
        ? checkTeacherAnswer(JSON.stringify({ id, target_explanation: explanation }), paper, deps.validators)
        : {
            explanation: null,
            parsed: null,
            repairs: [],
            errors: [
              { rule: 'answer', code: 'missing', message: problem ?? 'no explanation' },
            ] as StoredError[],
          };
      const failed = new Set(check.errors.map((e) => e.rule));
      for (const rule of Object.keys(passes)) if (!failed.has(rule)) passes[rule]!++;
      for (const e of check.errors) failures.set(e.message, (failures.get(e.message) ?? 0) + 1);
      const ok = check.errors.length === 0;
      if (ok) accepted++;
      if (supervision.calls(id, 'teacher').some((c) => c.promptName === seedPrompt.name)) return; // already imported
      const callId = supervision.recordCall({
        paperId: id,
        role: 'teacher',
        attempt: 1,
        promptName: seedPrompt.name,
        promptHash: seedPrompt.hash,
        baseUrl: 'seed-v1',
        model: 'seed-v1 teacher',
        outputMode: null,
        rawResponse: explanation,
        parsed: check.parsed,
        repairs: [],
        errors: check.errors,
        verdict: null,
        outcome: ok ? 'ok' : 'invalid',
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs: null,
        batchId: null,
        createdAt: now,
      });
      if (!supervision.state(id)) {
        supervision.setState({
          paperId: id,
          status: ok ? 'validated' : 'rejected',
          explanation: ok ? check.explanation : null,
          attempts: 1,
          reason: ok ? null : check.errors.map((e) => e.message).join('; '),
          teacherCallId: callId,
          judgeCallId: null,
          judgeFeedback: null,
          updatedAt: now,
        });
      }
    });
  })();

  const frozen = evalIds.length > 0 ? freezeEvalIds(deps.db, evalIds, file, deps.clock) : 0;
  const denominator = Math.max(1, rows - evalIds.length);
  const pass_rates = Object.fromEntries(
    Object.entries(passes).map(([rule, n]) => [rule, evalIds.length === rows ? 1 : n / denominator]),
  );
  const top_failures = [...failures.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 15)
    .map(([error, count]) => ({ error, count }));
  if (rows === 0) {
    throw new MiniAstroError(
      'badInput',
      `No seed v1 rows in ${file}${skipped[0] ? ` (line ${skipped[0].line}: ${skipped[0].reason})` : ''}.`,
      'Expected JSONL rows {id, title, input, output}.',
    );
  }
  return {
    rows,
    accepted,
    pass_rates,
    top_failures,
    frozen_eval: frozen,
    skipped: skipped.slice(0, 20),
    kind: kind ?? 'teacher',
  };
}
