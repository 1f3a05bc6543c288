import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { extractJsonObject, parsePythonLiteral } from '../../../../src/pipeline/supervise/json/extractJson';
import { needRealdata } from '../../../helpers/realdata';
import { pyRepr } from './pyRepr';

/**
 * The seed project's 655 rejected teacher rows. Its SOURCES note says `output` is a Python-repr string; the file
 * as stored (and upstream at commit 0bd5333) holds a JSON object instead. Both layouts are handled: a string is
 * parsed as it is; an object is first rendered as Python's repr() would store it, so the Python reader is
 * exercised on the real texts either way.
 */
function readRows(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('parsePythonLiteral reads every rejected row output (655 rows)', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_rejected.jsonl');
  if (!file) return;
  const rows = readRows(file);
  assert.equal(rows.length, 655);
  let asString = 0;
  for (const row of rows) {
    const output = row['output'];
    if (typeof output === 'string') {
      asString++;
      const value = parsePythonLiteral(output) as Record<string, unknown>;
      assert.ok(Array.isArray(value['validation_errors']), String(row['id']));
      assert.equal(typeof value['last_response'], 'string', String(row['id']));
    } else {
      assert.deepEqual(parsePythonLiteral(pyRepr(output)), output, String(row['id']));
    }
  }
  // The whole raw line, JSON as it is, also reads (the reader accepts JSON's true/false/null).
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) assert.deepEqual(parsePythonLiteral(line), JSON.parse(line));
  t.diagnostic(
    `output stored as a Python-repr string in ${asString}/${rows.length} rows; as a JSON object in ${rows.length - asString}`,
  );
});

test('extractJsonObject on the real last_response texts: share recovered and repairs used', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_rejected.jsonl');
  if (!file) return;
  const rows = readRows(file);
  let recovered = 0;
  let strict = 0;
  const repairs = new Map<string, number>();
  const errors = new Map<string, number>();
  for (const row of rows) {
    const output = row['output'];
    const record = (typeof output === 'string' ? parsePythonLiteral(output) : output) as Record<
      string,
      unknown
    >;
    const last = record['last_response'];
    assert.equal(typeof last, 'string');
    const result = extractJsonObject(last as string);
    if ('value' in result) {
      recovered++;
      if (result.repaired.length === 0) strict++;
      for (const r of result.repaired) repairs.set(r, (repairs.get(r) ?? 0) + 1);
      assert.equal(typeof result.value['explanation'], 'string', String(row['id']));
    } else {
      const kind = result.error.split(':')[0]!;
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
    }
  }
  const pct = ((100 * recovered) / rows.length).toFixed(1);
  t.diagnostic(
    `recovered an object from ${recovered}/${rows.length} last_response texts (${pct}%); strict JSON: ${strict}`,
  );
  t.diagnostic(`repairs used: ${JSON.stringify(Object.fromEntries(repairs))}`);
  t.diagnostic(`not recovered: ${JSON.stringify(Object.fromEntries(errors))}`);
  // Measured on this file: 652 are strict JSON; the 3 others never close their object (two stop mid-string,
  // one never closes its explanation string and then repeats "<END_JSON>  }"). Those must stay errors.
  assert.equal(recovered, 652);
  assert.deepEqual(Object.fromEntries(errors), { truncated: 3 });
});

/**
 * The real answers are nearly all strict JSON, so the repairs are exercised on the same real texts rewritten
 * into the forms models slip into: a Python dict, raw newlines in strings, a fenced answer with chatter,
 * and a Python-style dict whose apostrophes are not escaped. The recovered value must equal the original exactly.
 */
test('the real answers rewritten as models mangle them are recovered exactly', (t) => {
  const file = needRealdata(t, 'miniastrogpt', 'teacher_v1_rejected.jsonl');
  if (!file) return;
  const originals: Record<string, unknown>[] = [];
  for (const row of readRows(file)) {
    const output = row['output'];
    const record = (typeof output === 'string' ? parsePythonLiteral(output) : output) as Record<
      string,
      unknown
    >;
    const result = extractJsonObject(String(record['last_response']));
    if ('value' in result) originals.push(result.value);
  }
  const rawNewlines = (value: Record<string, unknown>) =>
    `{${Object.entries(value)
      // Only real \n escapes become raw newlines, not the "\\n" of an escaped backslash before an n (LaTeX \nu).
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v).replace(/(?<!\\)((?:\\\\)*)\\n/g, '$1\n')}`)
      .join(', ')}}`;
  // A model imitating Python without escaping apostrophes: {'explanation': 'the star's core'}.
  const apostrophesBare = (value: Record<string, unknown>) =>
    `{${Object.entries(value)
      .map(
        ([k, v]) =>
          `'${k}': ${typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}'` : pyRepr(v)}`,
      )
      .join(', ')}}`;
  const forms: Record<string, (v: Record<string, unknown>) => string> = {
    'python-repr': pyRepr,
    'raw-newlines': rawNewlines,
    'fenced-with-chatter': (v) =>
      `Here is the explanation:\n\n\`\`\`json\n${JSON.stringify(v, null, 2)}\n\`\`\`\nHope it helps!`,
    'apostrophes-unescaped': apostrophesBare,
  };
  const report: Record<string, string> = {};
  for (const [name, render] of Object.entries(forms)) {
    let exact = 0;
    let tried = 0;
    let wrong = 0;
    const used = new Set<string>();
    for (const value of originals) {
      const hasApostrophe = Object.values(value).some((v) => typeof v === 'string' && v.includes("'"));
      if (name === 'apostrophes-unescaped' && !hasApostrophe) continue;
      tried++;
      const result = extractJsonObject(render(value));
      if ('value' in result && JSON.stringify(result.value) === JSON.stringify(value)) exact++;
      else if ('value' in result) wrong++;
      if ('value' in result) for (const r of result.repaired) used.add(r);
    }
    report[name] = `${exact}/${tried} exact, ${wrong} wrong [${[...used].sort().join(', ')}]`;
    // Whatever is not recovered exactly must be an error, never a different value passed off as the answer.
    assert.equal(wrong, 0, name);
    // Bare apostrophes are ambiguous by nature ("the stars', which" looks like a closing quote); the other
    // forms must all come back.
    if (name !== 'apostrophes-unescaped') assert.equal(exact, originals.length, name);
    else assert.ok(exact / tried > 0.9, `${name}: ${exact}/${tried}`);
  }
  t.diagnostic(`exact recoveries by form: ${JSON.stringify(report)}`);
});
