import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExtractResult, extractJsonObject } from '../../../../src/pipeline/supervise/json/extractJson';

function ok(result: ExtractResult): { value: Record<string, unknown>; repaired: string[] } {
  if ('error' in result) assert.fail(`expected an object, got error: ${result.error}`);
  return result;
}

function fails(result: ExtractResult): string {
  if ('value' in result) assert.fail(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

test('strict JSON costs nothing and reports no repair', () => {
  const r = ok(
    extractJsonObject('  {"id": "1801.00892", "explanation": "Dust \\"grains\\" glow.\\n\\nMore."}\n'),
  );
  assert.deepEqual(r.value, { id: '1801.00892', explanation: 'Dust "grains" glow.\n\nMore.' });
  assert.deepEqual(r.repaired, []);
});

test('a markdown code fence is stripped; chatter around it is fine', () => {
  const r = ok(extractJsonObject('Here is the JSON:\n```json\n{"id": "a", "n": 2}\n```\nLet me know!'));
  assert.deepEqual(r.value, { id: 'a', n: 2 });
  assert.deepEqual(r.repaired, ['code-fence']);
  const bare = ok(extractJsonObject('```\n{"id": "b"}\n```'));
  assert.deepEqual(bare.repaired, ['code-fence']);
});

test('an unclosed fence (answer cut after the object) still yields the object', () => {
  const r = ok(extractJsonObject('```json\n{"id": "a"}\n'));
  assert.deepEqual(r.value, { id: 'a' });
});

test('prose before and after the object', () => {
  const r = ok(extractJsonObject('Sure! {"id": "a"} I hope this helps.'));
  assert.deepEqual(r.value, { id: 'a' });
  assert.deepEqual(r.repaired, ['surrounding-text']);
});

test('two objects → the first', () => {
  const r = ok(extractJsonObject('{"id": "first"}\n{"id": "second"}'));
  assert.deepEqual(r.value, { id: 'first' });
  assert.deepEqual(r.repaired, ['surrounding-text']);
});

test('braces and quotes inside strings do not confuse the search', () => {
  const r = ok(
    extractJsonObject('Answer: {"a": "}{ not a brace", "b": "say \\"}\\"", "c": {"d": "{x}"}} trailing }'),
  );
  assert.deepEqual(r.value, { a: '}{ not a brace', b: 'say "}"', c: { d: '{x}' } });
  assert.deepEqual(r.repaired, ['surrounding-text']);
});

test('a brace in prose before the answer is skipped, not taken for the answer', () => {
  const r = ok(extractJsonObject('Using the template {explanation} I wrote: {"explanation": "x"}'));
  assert.deepEqual(r.value, { explanation: 'x' });
});

test('Python-literal dicts: single quotes with escapes, True/False/None', () => {
  const r = ok(
    extractJsonObject("{'id': 'a', 'text': 'it\\'s \"fine\"\\n', 'ok': True, 'bad': False, 'x': None}"),
  );
  assert.deepEqual(r.value, { id: 'a', text: 'it\'s "fine"\n', ok: true, bad: false, x: null });
  assert.deepEqual(r.repaired.sort(), ['python-keywords', 'single-quotes']);
});

test('trailing commas in objects and arrays', () => {
  const r = ok(extractJsonObject('{"a": [1, 2, ], "b": {"c": 3,},}'));
  assert.deepEqual(r.value, { a: [1, 2], b: { c: 3 } });
  assert.deepEqual(r.repaired, ['trailing-commas']);
});

test('smart quotes around keys (and plain values)', () => {
  const r = ok(
    extractJsonObject('{\u201cid\u201d: \u201ca\u201d, \u201cexplanation\u201d: "It\u2019s hot."}'),
  );
  assert.deepEqual(r.value, { id: 'a', explanation: 'It\u2019s hot.' });
  assert.deepEqual(r.repaired, ['smart-quotes']);
});

test('raw newlines inside strings', () => {
  const r = ok(extractJsonObject('{"explanation": "First paragraph.\n\nSecond paragraph."}'));
  assert.deepEqual(r.value, { explanation: 'First paragraph.\n\nSecond paragraph.' });
  assert.deepEqual(r.repaired, ['newlines-in-strings']);
});

test('unescaped quotes inside a string', () => {
  const r = ok(extractJsonObject('{"explanation": "The term "UV upturn" means rising flux.", "id": "a"}'));
  assert.deepEqual(r.value, { explanation: 'The term "UV upturn" means rising flux.', id: 'a' });
  assert.deepEqual(r.repaired, ['unescaped-quotes']);
});

test('unquoted keys', () => {
  const r = ok(extractJsonObject('{id: "a", explanation: "b"}'));
  assert.deepEqual(r.value, { id: 'a', explanation: 'b' });
  assert.deepEqual(r.repaired, ['unquoted-keys']);
});

test('a double-encoded object (a JSON string holding JSON)', () => {
  const r = ok(extractJsonObject(JSON.stringify(JSON.stringify({ id: 'a' }))));
  assert.deepEqual(r.value, { id: 'a' });
  assert.deepEqual(r.repaired, ['double-encoded']);
});

test('a <think> block from a reasoning model is dropped', () => {
  const r = ok(extractJsonObject('<think>Should I use {braces}? "Yes".</think>\n{"id": "a"}'));
  assert.deepEqual(r.value, { id: 'a' });
  assert.deepEqual(r.repaired, ['think-block']);
});

test('several repairs at once are all listed', () => {
  const r = ok(extractJsonObject("```python\n{'id': 'a', 'tags': ['x', 'y',], 'ok': True,}\n```"));
  assert.deepEqual(r.value, { id: 'a', tags: ['x', 'y'], ok: true });
  assert.deepEqual(r.repaired.sort(), ['code-fence', 'python-keywords', 'single-quotes', 'trailing-commas']);
});

test('a truncated object is an error, not silently closed', () => {
  for (const text of [
    '{"id": "a", "explanation": "Planetary nebulae are',
    '{"id": "a", "nested": {"b": 1}',
    '{"id": "a", "list": [1, 2',
    'Here you go: ```json\n{"id": "a", "explanation": "cut',
    '{"id": "a", "explanation": "x", "ok": tr',
  ]) {
    assert.match(fails(extractJsonObject(text)), /^truncated/, text);
  }
});

test('no object at all', () => {
  assert.equal(fails(extractJsonObject('I cannot help with that.')), 'no JSON object found in the text');
  assert.equal(fails(extractJsonObject('')), 'no JSON object found in the text');
  assert.equal(fails(extractJsonObject('[1, 2, 3]')), 'no JSON object found in the text');
});

test('objects that cannot be read are reported with the parser message', () => {
  const error = fails(extractJsonObject('{"a": 1 "b": 2}'));
  assert.match(error, /^no parsable JSON object: expected "," or "}"/);
  assert.match(fails(extractJsonObject('{1, 2, 3}')), /set literal/);
});

test('an array holding the object yields the object', () => {
  const r = ok(extractJsonObject('[{"id": "a"}]'));
  assert.deepEqual(r.value, { id: 'a' });
  assert.deepEqual(r.repaired, ['surrounding-text']);
});

test('a "__proto__" key stays data, as with JSON.parse', () => {
  const r = ok(extractJsonObject("{'__proto__': {'polluted': 1}}"));
  assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
  assert.deepEqual(Object.keys(r.value), ['__proto__']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('an apostrophe or inner quote before a comma is re-read as content when the close leads nowhere', () => {
  const py = ok(
    extractJsonObject("{'explanation': 'the stars', which shine', 'prime': 'Omega_0'' term', 'n': 1}"),
  );
  assert.deepEqual(py.value, { explanation: "the stars', which shine", prime: "Omega_0'' term", n: 1 });
  assert.ok(py.repaired.includes('unescaped-quotes'));
  const json = ok(extractJsonObject('{"explanation": "He said "yes", then left.", "id": "a"}'));
  assert.deepEqual(json.value, { explanation: 'He said "yes", then left.', id: 'a' });
});
