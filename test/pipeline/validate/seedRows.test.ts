// The seed-row readers: Python-literal outputs and cut-off teacher responses are still read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLastResponse, parsePythonLiteral } from './seedRows';

test('parsePythonLiteral: a dict repr with quotes, escapes and constants', () => {
  const src =
    "{'id': 'http://arxiv.org/abs/1801.00892v2', 'explanation': '', 'accepted': False, 'attempts': 3, " +
    "'validation_errors': ['Numeric tokens not in abstract: 5.6%', \"Banned phrase found: 'we find'\"], " +
    "'last_response': '{\"id\":\"x\",\"explanation\":\"A\\\\n\\\\nB it\\'s\"}', 'context_judge': None, 'ok': True, 'x': -1.5e3}";
  assert.deepEqual(parsePythonLiteral(src), {
    id: 'http://arxiv.org/abs/1801.00892v2',
    explanation: '',
    accepted: false,
    attempts: 3,
    validation_errors: ['Numeric tokens not in abstract: 5.6%', "Banned phrase found: 'we find'"],
    last_response: '{"id":"x","explanation":"A\\n\\nB it\'s"}',
    context_judge: null,
    ok: true,
    x: -1500,
  });
  assert.deepEqual(parsePythonLiteral("('a', [1, 2], {})"), ['a', [1, 2], {}]);
  assert.equal(parsePythonLiteral("'caf\\xe9 \\u00e9'"), 'café é');
  assert.throws(() => parsePythonLiteral("{'a': 1"), /Python literal/);
});

test('parseLastResponse: complete JSON, and a response cut off mid-string', () => {
  assert.deepEqual(parseLastResponse('{"id":"1","explanation":"A\\n\\nB"}'), {
    id: '1',
    explanation: 'A\n\nB',
  });
  assert.deepEqual(parseLastResponse('{"id":"1","explanation":"A\\n\\nB is cut \\"here'), {
    id: '1',
    explanation: 'A\n\nB is cut "here',
  });
  assert.deepEqual(parseLastResponse('no json at all'), { id: null, explanation: null });
});
