/**
 * The root document of a .tex file that is only part of a paper (`sections/intro.tex`, pulled in by `main.tex`'s
 * `\input`): its citations resolve through the root's reference list and bibliography, as LaTeX compiles them.
 * The root is the file a `% !TEX root = …` magic comment names, else a workspace .tex with `\documentclass` that
 * pulls the file in, directly or through other included files. Paths in `\input` resolve against the root's
 * folder (where LaTeX runs), or the including file's (the `subfiles` and `import` packages' way). Pure: the caller
 * passes in the candidates and how to read them.
 */
import path from 'node:path';
import { blankComments } from './tex';

/** Magic comments are looked for in the first lines only, as LaTeX editors do. */
const magicLines = 50;
/** How deep `\input` chains are followed from a candidate root, and how many files one search reads at most. */
const maxDepth = 4;
const maxReads = 400;

const MAGIC_ROOT = /^\s*%\s*!\s*tex\s+root\s*=\s*(.+?)\s*$/im;
const DOCUMENTCLASS = /\\documentclass(?![A-Za-z@])/;
const INCLUDE =
  /\\(input|include|subfile|import|subimport|inputfrom|subinputfrom)\s*(?:\{([^{}]*)\}\s*)?\{([^{}]+)\}/g;

/** The root a `% !TEX root = ../main.tex` comment names, resolved against the file's folder. */
export function magicRoot(texPath: string, text: string): string | undefined {
  const head = text.split(/\r\n?|\n/, magicLines).join('\n');
  const named = MAGIC_ROOT.exec(head)?.[1];
  return named ? path.resolve(path.dirname(texPath), named) : undefined;
}

/** Whether the text is a whole document (it has `\documentclass` outside comments). */
export function isRootDocument(text: string): boolean {
  return DOCUMENTCLASS.test(blankComments(text));
}

/**
 * The files `text` pulls in, as absolute paths (`.tex` added to a name without an extension), each resolved both
 * against `baseFolder` (the root's) and the including file's folder; `\import{dir}{file}` against the file's.
 */
export function includedFiles(texPath: string, text: string, baseFolder: string): string[] {
  const found = new Set<string>();
  const own = path.dirname(texPath);
  const withTex = (name: string) => (path.extname(name) === '' ? `${name}.tex` : name);
  INCLUDE.lastIndex = 0;
  const masked = blankComments(text);
  for (let m = INCLUDE.exec(masked); m; m = INCLUDE.exec(masked)) {
    const [, command, dir, name] = m;
    const file = withTex(name!.trim());
    if (dir !== undefined) {
      if (!/import|inputfrom/.test(command!)) continue;
      // \import and \inputfrom take the folder from the root's; the sub- forms from the including file's.
      const from = command!.startsWith('sub') ? own : baseFolder;
      found.add(path.resolve(from, dir.trim(), file));
      continue;
    }
    found.add(path.resolve(baseFolder, file));
    found.add(path.resolve(own, file));
  }
  return [...found];
}

/**
 * The root document of `texPath`: its magic comment's target when that reads as a document, else the first
 * candidate (in sorted order) that has `\documentclass` and pulls `texPath` in within `maxDepth` levels. `read`
 * answers undefined for a file it cannot read. Undefined when no root is found (the file stands alone).
 */
export function findRoot(
  texPath: string,
  text: string,
  candidates: readonly string[],
  read: (file: string) => string | undefined,
): string | undefined {
  const target = path.resolve(texPath);
  const magic = magicRoot(target, text);
  if (magic && magic !== target && read(magic) !== undefined) return magic;
  let reads = 0;
  const readCounted = (file: string) => (reads++ < maxReads ? read(file) : undefined);
  for (const candidate of [...new Set(candidates.map((c) => path.resolve(c)))].sort()) {
    if (candidate === target) continue;
    const rootText = readCounted(candidate);
    if (rootText === undefined || !isRootDocument(rootText)) continue;
    if (pullsIn(candidate, rootText, target, readCounted)) return candidate;
  }
  return undefined;
}

/** Breadth-first through `\input` chains from `root`, at most `maxDepth` levels deep. */
function pullsIn(
  root: string,
  rootText: string,
  target: string,
  read: (file: string) => string | undefined,
): boolean {
  const base = path.dirname(root);
  const seen = new Set([root]);
  let level = [{ file: root, text: rootText }];
  for (let depth = 0; depth < maxDepth && level.length > 0; depth++) {
    const next: { file: string; text: string }[] = [];
    for (const { file, text } of level) {
      for (const included of includedFiles(file, text, base)) {
        if (included === target) return true;
        if (seen.has(included)) continue;
        seen.add(included);
        const childText = read(included);
        if (childText !== undefined) next.push({ file: included, text: childText });
      }
    }
    level = next;
  }
  return false;
}
