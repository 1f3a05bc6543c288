import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../../src/core/paths';
import { loadPrompt, renderPrompt } from '../../../src/pipeline/supervise/prompts';
import { tempDir } from '../../helpers/tmp';

const values = {
  id: '2501.90001',
  title: 'T',
  abstract: 'A disc.',
  min_words: 180,
  max_words: 220,
  paragraphs: 4,
  errors: '- e',
  previous: '{}',
  explanation: 'E',
};

test('the shipped prompts load, render every placeholder, and carry a content hash', () => {
  for (const name of ['teacher', 'regenerate', 'judge'] as const) {
    const prompt = loadPrompt(path.join(packageRoot(), 'prompts'), name);
    assert.match(prompt.hash, /^[0-9a-f]{16}$/);
    const [system, user] = renderPrompt(prompt, values);
    assert.equal(system!.role, 'system');
    assert.doesNotMatch(user!.content, /\{\{/);
    assert.match(user!.content, /2501\.90001/);
  }
});

test('a changed prompt has a new hash; a missing placeholder value or a bad layout is a clear error', (t) => {
  const dir = tempDir(t);
  writeFileSync(
    path.join(dir, 'teacher.md'),
    '## system\nBe brief.\n## user\nExplain {{abstract}} in {{style}}.\n',
  );
  const a = loadPrompt(dir, 'teacher');
  assert.throws(() => renderPrompt(a, values), /uses \{\{style\}\}, which has no value/);
  writeFileSync(path.join(dir, 'teacher.md'), '## system\nBe very brief.\n## user\nExplain {{abstract}}.\n');
  assert.notEqual(loadPrompt(dir, 'teacher').hash, a.hash);
  writeFileSync(path.join(dir, 'judge.md'), 'Just judge it.');
  assert.throws(() => loadPrompt(dir, 'judge'), /must have a "## system" section/);
});
