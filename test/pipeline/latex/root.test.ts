// The root document of a part of a paper: the `% !TEX root` magic comment, else the workspace document that
// pulls the part in through \input, \include, \subfile or \import — directly or through other parts — with paths
// resolved as LaTeX resolves them; comments, cycles, depth and unreadable files.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import {
  findRoot,
  includedFiles,
  isRootDocument,
  magicRoot,
  summarizeTex,
} from '../../../src/pipeline/latex';

const W = path.resolve('/work/paper');
const at = (p: string) => path.join(W, p);

/** An in-memory workspace: `read` summarises only the files it holds. */
function workspace(files: Record<string, string>) {
  return {
    files: Object.keys(files).map(at),
    read: (file: string) => {
      const key = path.relative(W, file);
      return key in files ? summarizeTex(files[key]!) : undefined;
    },
  };
}

test('magic comments: the TeX root a part names, in the usual spellings, only near the top', () => {
  assert.equal(magicRoot(at('sections/a.tex'), '% !TEX root = ../main.tex\n\\section{A}'), at('main.tex'));
  assert.equal(magicRoot(at('a.tex'), '%!TeX root=main.tex'), at('main.tex'));
  assert.equal(
    magicRoot(at('a.tex'), '  %  ! tex root =  other dir/main.tex  \r\n'),
    at('other dir/main.tex'),
  );
  assert.equal(magicRoot(at('a.tex'), `${'\n'.repeat(60)}% !TEX root = main.tex`), undefined);
  assert.equal(magicRoot(at('a.tex'), '% !TEX program = xelatex'), undefined);
});

test('a whole document has \\documentclass outside comments', () => {
  assert.ok(isRootDocument('\\documentclass[twocolumn]{aastex631}\n\\begin{document}'));
  assert.ok(!isRootDocument('% \\documentclass{article}\n\\section{Intro}'));
  assert.ok(!isRootDocument('\\section{Intro} \\documentclassic'));
});

test('included files: every form, with .tex added, against the root folder and the including file', () => {
  const text = [
    '\\input{sections/intro}',
    '\\include{appendix.tex}',
    '\\subfile{parts/method}',
    '\\import{chapters/}{results}',
    '\\subimport{figs}{table}',
    '% \\input{commented}',
    '\\inputenc \\includegraphics{fig.pdf}',
  ].join('\n');
  const summary = summarizeTex(text);
  assert.equal(summary.isDocument, false);
  const found = includedFiles(at('sub/part.tex'), summary.includes, W);
  assert.deepEqual(found.sort(), [
    at('appendix.tex'),
    at('chapters/results.tex'),
    at('parts/method.tex'),
    at('sections/intro.tex'),
    at('sub/appendix.tex'),
    at('sub/figs/table.tex'),
    at('sub/parts/method.tex'),
    at('sub/sections/intro.tex'),
  ]);
});

test('findRoot: the document that pulls a part in, through nested parts; not one that does not', () => {
  const ws = workspace({
    'aaa-notes.tex': '\\documentclass{article}\\input{elsewhere}',
    'main.tex': '\\documentclass{aastex631}\n\\input{sections/body}\n\\end{document}',
    'sections/body.tex': '\\input{sections/results}\n\\input{sections/body}',
    'sections/results.tex': 'Rings \\citep{wu22}.',
    'loose.tex': 'No root pulls this in.',
  });
  const results = at('sections/results.tex');
  assert.equal(findRoot(results, 'Rings \\citep{wu22}.', ws.files, ws.read), at('main.tex'));
  assert.equal(findRoot(at('sections/body.tex'), '', ws.files, ws.read), at('main.tex'));
  assert.equal(findRoot(at('loose.tex'), 'No root pulls this in.', ws.files, ws.read), undefined);
  // A root never is its own root.
  assert.equal(findRoot(at('main.tex'), '', ws.files, ws.read), undefined);
});

test('findRoot: the magic comment wins; one naming a missing file is ignored; deep chains stop', () => {
  const chain: Record<string, string> = { 'root.tex': '\\documentclass{article}\\input{p1}' };
  for (let i = 1; i <= 6; i++) chain[`p${i}.tex`] = `\\input{p${i + 1}}`;
  const ws = workspace({
    ...chain,
    'main.tex': '\\documentclass{article}\\input{part}',
    'alt.tex': '\\documentclass{article}',
    'part.tex': '% !TEX root = alt.tex\n',
  });
  assert.equal(findRoot(at('part.tex'), '% !TEX root = alt.tex\n', ws.files, ws.read), at('alt.tex'));
  assert.equal(findRoot(at('part.tex'), '% !TEX root = gone.tex\n', ws.files, ws.read), at('main.tex'));
  // root → p1 → p2 → p3 → p4 is found; p7, seven levels down, is not followed that far.
  assert.equal(findRoot(at('p4.tex'), '', ws.files, ws.read), at('root.tex'));
  assert.equal(findRoot(at('p7.tex'), '', ws.files, ws.read), undefined);
});

test('findRoot: a root sorted after hundreds of sections is still found, and its direct includes are not read', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 600; i++) files[`ch/s${String(i).padStart(3, '0')}.tex`] = `\\section{S${i}}`;
  files['zz-main.tex'] = `\\documentclass{book}\n${Object.keys(files)
    .map((f) => `\\input{${f.replace(/\.tex$/, '')}}`)
    .join('\n')}`;
  const ws = workspace(files);
  let reads = 0;
  const counting = (file: string) => {
    reads++;
    return ws.read(file);
  };
  assert.equal(findRoot(at('ch/s599.tex'), '\\section{S599}', ws.files, counting), at('zz-main.tex'));
  // One look at each candidate; none at the sections the root includes once the target is among them.
  assert.equal(reads, ws.files.length - 1);
});
