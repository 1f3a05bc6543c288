// One reader for every row shape experiments and the scorecard meet.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { labRowFrom, readLabRows, trainingRows } from '../../../src/student/lab/rows';
import { tempDir } from '../../helpers/tmp';

test('curated, explanation and original-study rows all read as one shape', () => {
  assert.deepEqual(labRowFrom({ id: 'a', abstract: 'A.', target_explanation: 'T.', accepted: true }), {
    id: 'a',
    title: '',
    abstract: 'A.',
    target: 'T.',
    explanation: null,
    endedWithEos: null,
  });
  const outputs = labRowFrom({ id: 'b', abstract: 'A.', explanation: 'E.', stop: 'max_tokens' });
  assert.ok(typeof outputs !== 'string');
  assert.equal(outputs.explanation, 'E.');
  assert.equal(outputs.endedWithEos, false);
  // The original study: a string output is a model's text, an object output the teacher's answer.
  const baseline = labRowFrom({ id: 'c', input: 'A.', output: 'Some text.' });
  assert.ok(typeof baseline !== 'string');
  assert.deepEqual([baseline.abstract, baseline.explanation, baseline.target], ['A.', 'Some text.', null]);
  const teacher = labRowFrom({ id: 'd', title: 'T', input: 'A.', output: { explanation: 'Teacher.' } });
  assert.ok(typeof teacher !== 'string');
  assert.deepEqual([teacher.target, teacher.explanation, teacher.title], ['Teacher.', null, 'T']);
  assert.equal(labRowFrom({ id: 'e' }), 'no abstract (expected "abstract" or "input")');
});

test('bad lines are all named; too few training rows is an error naming the file', (t) => {
  const file = path.join(tempDir(t), 'rows.jsonl');
  writeFileSync(
    file,
    '{"id": "a", "abstract": "x", "target_explanation": "y"}\nnot json\n{"abstract": "x"}\n',
  );
  assert.throws(() => readLabRows(file), /2 bad row\(s\):\n {2}line 2: not valid JSON.*\n {2}line 3: no id/s);
  writeFileSync(
    file,
    '{"id": "a", "abstract": "x", "target_explanation": "y"}\n{"id": "b", "abstract": "x"}\n',
  );
  const rows = readLabRows(file);
  assert.equal(trainingRows(rows, 1, file).length, 1);
  assert.throws(
    () => trainingRows(rows, 2, file),
    /has 1 row\(s\) with a teacher's explanation; this experiment needs 2/,
  );
});
