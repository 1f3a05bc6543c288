// The hover's Markdown: source first, then the explanation and its marks, then command links; hostile text is
// escaped so it renders literally.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExplainResult, ScannedItem } from '../../src/engine/protocol';
import { commandLink, escapeMarkdown, hoverMarkdown, shorten } from '../../src/extension/hoverMarkdown';

const item: ScannedItem = {
  kind: 'cite',
  start: 10,
  end: 20,
  line: 3,
  key: 'smith2020',
  paperId: '2001.00001',
  title: 'Dust rings in HD 163296',
  authors: ['A. Smith', 'B. Jones', 'C. Li', 'D. Wu'],
  year: '2020',
  arxivId: '2001.00001',
  abstract: 'We observe rings of dust at 10 au and 30 au in the disc.',
  origin: 'bib',
  bibFile: '/w/refs.bib',
  reference: null,
  problem: null,
};
const target = { uri: 'file:///w/paper.tex', offset: 10 };

test('escapeMarkdown leaves no Markdown or HTML syntax active', () => {
  const hostile = '<script>alert(1)</script> **bold** [link](command:evil) `code` $(zap) _x_ # h';
  const escaped = escapeMarkdown(hostile);
  assert.ok(!escaped.includes('<'));
  assert.ok(escaped.includes('&lt;script\\>'));
  // Every Markdown-active character is preceded by a backslash.
  for (let i = 0; i < escaped.length; i++) {
    if ('*_[]()`$#!|~>'.includes(escaped[i]!))
      assert.equal(escaped[i - 1], '\\', `${escaped.slice(0, i + 1)}`);
  }
});

test('escapeMarkdown: list markers escaped where a block could start, URLs in the text left whole', () => {
  assert.equal(escapeMarkdown('1. first'), '1\\. first');
  assert.equal(escapeMarkdown('  - item'), '  \\- item');
  assert.equal(escapeMarkdown('+1 sigma'), '\\+1 sigma');
  assert.equal(escapeMarkdown('--- rule'), '\\--- rule');
  assert.equal(
    escapeMarkdown('Find it at https://platform.openai.com/account/api-keys. Then retry.'),
    'Find it at https://platform.openai.com/account/api-keys. Then retry.',
  );
  // A line break cannot start a new block: it becomes a space.
  assert.equal(escapeMarkdown('done\n2. next'), 'done 2. next');
});

test('shorten cuts at a word and marks the cut', () => {
  assert.equal(shorten('short', 10), 'short');
  assert.equal(shorten('one two three four five', 12), 'one two…');
});

test('source first: title, authors (et al. after three), year, id, the abstract quoted; then "Explaining…"', () => {
  const md = hoverMarkdown({
    item,
    result: undefined,
    pending: true,
    noExplainer: null,
    target,
    abstractChars: 600,
  });
  const title = md.indexOf('Dust rings');
  const abstract = md.indexOf('> We observe');
  const explaining = md.indexOf('Explaining');
  assert.ok(title >= 0 && title < abstract && abstract < explaining, md);
  assert.match(md, /A\. Smith, B\. Jones, C\. Li et al\./);
  assert.match(md, /arXiv:2001\.00001/);
  assert.ok(md.includes(commandLink('Explain in panel', 'miniastrolm.explainInPanel', target)));
  assert.ok(!md.includes('Add to dataset'), 'nothing to add before there is an explanation');
});

test('with an explanation: who wrote it, the text, the marks, and Add to dataset', () => {
  const result = {
    explanation: 'Dust collects in pressure maxima at 12 au.',
    writtenBy: 'student',
    source: 'student',
    tokens: 14,
    marks: [
      { kind: 'new_number', severity: 'error', start: 38, end: 40, text: '12', message: 'not in abstract' },
    ],
    droppedAbstractTokens: 3,
  } as ExplainResult;
  const md = hoverMarkdown({ item, result, pending: false, noExplainer: null, target, abstractChars: 600 });
  assert.match(md, /\*\*Explanation\*\* _\(student, 14 tokens\)_/);
  assert.match(md, /Dust collects in pressure maxima at 12 au\./);
  assert.match(md, /number not in the abstract “12”/);
  assert.match(md, /last 3 tokens did not fit/);
  assert.ok(md.includes('command:miniastrolm.addToDataset'));
});

test('no explainer: the reason and the ways to get one, no background work links', () => {
  const md = hoverMarkdown({
    item,
    result: undefined,
    pending: false,
    noExplainer: 'Nothing can explain yet.',
    target,
    abstractChars: 600,
  });
  assert.match(md, /Nothing can explain yet\./);
  assert.ok(md.includes('command:miniastrolm.setApiKey'));
  assert.ok(!md.includes('Explaining'));
});

test('an item without abstract says why, and offers an arXiv fetch when it has an id', () => {
  const md = hoverMarkdown({
    item: { ...item, abstract: null, origin: null, problem: '2001.00001 is not in the workspace database' },
    result: undefined,
    pending: false,
    noExplainer: null,
    target,
    abstractChars: 600,
  });
  assert.match(md, /is not in the workspace database/);
  assert.ok(md.includes('command:miniastrolm.fetchMissingAbstract'));
});

test('a thebibliography citation: the key as heading, the reference in italics (escaped), why there is no abstract', () => {
  const md = hoverMarkdown({
    item: {
      ...item,
      title: null,
      authors: [],
      key: 'Ulrich1970',
      year: '1970',
      arxivId: null,
      abstract: null,
      origin: null,
      bibFile: null,
      reference: 'Ulrich, R.K., 1970, ApJ, 162, 993 <b>[x](command:evil)</b>',
      problem: 'the reference list (line 640) gives no arXiv id for Ulrich1970',
    },
    result: undefined,
    pending: false,
    noExplainer: null,
    target,
    abstractChars: 600,
  });
  const [heading, reason] = md.split('\n\n');
  assert.equal(
    heading,
    '**Ulrich1970**  \n1970  \n_Ulrich, R.K., 1970, ApJ, 162, 993 &lt;b\\>\\[x\\]\\(command:evil\\)&lt;/b\\>_',
  );
  assert.match(reason!, /^\$\(info\) .*gives no arXiv id for Ulrich1970/);
  assert.ok(!md.includes('Fetch the abstract'), 'no id, nothing to fetch');
});

test('after a failure: what went wrong and what to do first, a retry link, no "Explaining…", then the abstract', () => {
  const md = hoverMarkdown({
    item,
    result: undefined,
    pending: false,
    failure: { message: 'The teacher refused the API key (401) <b>', hint: 'Run "Set API key".' },
    teacher: true,
    noExplainer: null,
    target,
    abstractChars: 600,
  });
  // The failure and its links come before the abstract (a hover is only so tall), the source still follows.
  assert.ok(md.indexOf('Could not explain') < md.indexOf('Try again'));
  assert.ok(md.indexOf('Try again') < md.indexOf('> We observe'), md);
  // Escaped like every text from outside: the engine's message and hint render literally.
  assert.ok(
    md.includes(
      '$(error) Could not explain: The teacher refused the API key \\(401\\) &lt;b\\> Run "Set API key".',
    ),
    md,
  );
  assert.ok(md.includes(commandLink('Try again', 'miniastrolm.explainInPanel', target)));
  assert.ok(md.includes('command:miniastrolm.setApiKey'));
  assert.ok(!md.includes('Explaining'));
  assert.ok(!md.includes('Regenerate with teacher'));
  // A student's failure points at the model setting instead.
  const student = hoverMarkdown({
    item,
    result: undefined,
    pending: false,
    failure: { message: 'The model folder is damaged.', hint: '' },
    teacher: false,
    noExplainer: null,
    target,
    abstractChars: 600,
  });
  assert.ok(student.includes('miniastrolm.studentModel') && !student.includes('setApiKey'));
});
