import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LenientParseError, parsePythonLiteral } from '../../../../src/pipeline/supervise/json/extractJson';

test('a repr() dict as a Python pipeline writes it', () => {
  const text =
    "{'id': 'http://arxiv.org/abs/1801.00892v2', 'explanation': '', 'accepted': False, 'attempts': 3, " +
    "'validation_errors': ['Numeric tokens not in abstract: 5.6%'], 'last_response': '{\"id\":\"x\",\"explanation\": \"it\\'s\\\\n\"}', " +
    "'score': 0.75, 'judge': None}";
  assert.deepEqual(parsePythonLiteral(text), {
    id: 'http://arxiv.org/abs/1801.00892v2',
    explanation: '',
    accepted: false,
    attempts: 3,
    validation_errors: ['Numeric tokens not in abstract: 5.6%'],
    last_response: '{"id":"x","explanation": "it\'s\\n"}',
    score: 0.75,
    judge: null,
  });
});

test("repr's choice of double quotes when the string holds an apostrophe", () => {
  assert.deepEqual(parsePythonLiteral(`["the star's core", 'say "hi"', 'both \\' and "']`), [
    "the star's core",
    'say "hi"',
    'both \' and "',
  ]);
});

test('Python escapes: \\x, \\u, \\U, octal, \\a \\v, line continuation; unknown escapes kept', () => {
  assert.equal(parsePythonLiteral("'\\xe9\\u00e9\\U0001F52D\\101\\0'"), '\u00e9\u00e9\u{1F52D}A\0');
  assert.equal(parsePythonLiteral("'a\\\nb'"), 'ab');
  assert.equal(parsePythonLiteral("'\\d+'"), '\\d+');
});

test('raw, unicode and bytes prefixes; triple quotes', () => {
  assert.equal(parsePythonLiteral("r'\\d+\\''"), "\\d+\\'");
  assert.equal(parsePythonLiteral("u'caf\\xe9'"), 'caf\u00e9');
  assert.equal(parsePythonLiteral("b'abc'"), 'abc');
  assert.equal(parsePythonLiteral("'''line one\nline 'two'\n'''"), "line one\nline 'two'\n");
});

test("pprint's wrapped long strings: adjacent literals in parentheses are one string", () => {
  const text =
    "{'abstract': ('The planetary nebula PB 8 around a '\n              '[WN/WC]-hybrid central star')}";
  assert.deepEqual(parsePythonLiteral(text), {
    abstract: 'The planetary nebula PB 8 around a [WN/WC]-hybrid central star',
  });
});

test('tuples become arrays; numbers in Python forms; non-string keys become text', () => {
  assert.deepEqual(parsePythonLiteral("{'pair': (1, 2), 'one': (3,), 'empty': (), 1: 'x', None: 2}"), {
    pair: [1, 2],
    one: [3],
    empty: [],
    '1': 'x',
    null: 2,
  });
  assert.deepEqual(parsePythonLiteral('[1., .5, -3e-2, 1_000, +4, inf, -inf]'), [
    1,
    0.5,
    -0.03,
    1000,
    4,
    Infinity,
    -Infinity,
  ]);
  assert.ok(Number.isNaN(parsePythonLiteral('nan')));
});

test('JSON is accepted too (repr-ish text is often half JSON)', () => {
  assert.deepEqual(parsePythonLiteral('{"a": [true, false, null], "b": "\\u00e9"}'), {
    a: [true, false, null],
    b: '\u00e9',
  });
});

test('errors say where; a cut-off literal is marked truncated', () => {
  const cases: [string, boolean][] = [
    ["{'a': 1", true],
    ["{'a': 'unterminated", true],
    ['[1, 2', true],
    ["{'a': 1} extra", false],
    ['{1, 2}', false],
    ["{'a': foo}", false],
    ['', true],
  ];
  for (const [text, truncated] of cases) {
    assert.throws(
      () => parsePythonLiteral(text),
      (e) =>
        e instanceof LenientParseError && e.truncated === truncated && /offset|truncated/.test(e.message),
      text,
    );
  }
});

test('deep nesting is refused instead of overflowing the stack', () => {
  assert.throws(() => parsePythonLiteral('['.repeat(10_000) + ']'.repeat(10_000)), /nesting deeper/);
});
