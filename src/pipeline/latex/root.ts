/**
 * The root document of a .tex file that is only part of a paper (`sections/intro.tex`, pulled in by `main.tex`'s
 * `\input`): its citations resolve through the root's reference list and bibliography, as LaTeX compiles them.
 * The root is the file a `% !TEX root = …` magic comment names, else a workspace .tex with `\documentclass` that
 * pulls the file in, directly or through other included files. Paths in `\input` resolve against the root's
 * folder (where LaTeX runs), or the including file's (the `subfiles` and `import` packages' way).
 *
 * A search looks at every candidate, so each file is summarised once (`summarizeTex`: is it a document, what does
 * it pull in) and the caller keeps the summaries, not the texts: a thesis workspace's rescans then cost a lookup
 * per candidate. Pure: the caller passes in the candidates and their summaries.
 */
import path from 'node:path';
import { blankComments } from './tex';

/** Magic comments are looked for in the first lines only, as LaTeX editors do. */
const magicLines = 50;
/** How deep `\input` chains are followed from a candidate root, and how many included files one search looks at. */
const maxDepth = 4;
const maxLookups = 400;

const MAGIC_ROOT = /^\s*%\s*!\s*tex\s+root\s*=\s*(.+?)\s*$/im;
const DOCUMENTCLASS = /\\documentclass(?![A-Za-z@])/;
const INCLUDE =
  /\\(input|include|subfile|import|subimport|inputfrom|subinputfrom)\s*(?:\{([^{}]*)\}\s*)?\{([^{}]+)\}/g;

/** One `\input`-like command: the file as written, and the folder `\import{dir}{file}` names. */
export interface IncludeSpec {
  readonly command: string;
  readonly dir?: string;
  readonly name: string;
}

/** What a root search needs of a .tex file. */
export interface TexSummary {
  /** It has `\documentclass` outside comments. */
  readonly isDocument: boolean;
  readonly includes: readonly IncludeSpec[];
}

export function summarizeTex(text: string): TexSummary {
  const masked = blankComments(text);
  const includes: IncludeSpec[] = [];
  INCLUDE.lastIndex = 0;
  for (let m = INCLUDE.exec(masked); m; m = INCLUDE.exec(masked)) {
    const [, command, dir, name] = m;
    // `\input{a}{b}` is not an import: only the import forms take a folder first.
    if (dir !== undefined && !/import|inputfrom/.test(command!)) continue;
    includes.push({
      command: command!,
      ...(dir !== undefined ? { dir: dir.trim() } : {}),
      name: name!.trim(),
    });
  }
  return { isDocument: DOCUMENTCLASS.test(masked), includes };
}

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
 * The files `texPath`'s includes pull in, as absolute paths (`.tex` added to a name without an extension), each
 * resolved both against `baseFolder` (the root's) and the including file's folder; `\import{dir}{file}` against the
 * root's folder and `\subimport{dir}{file}` against the file's.
 */
export function includedFiles(
  texPath: string,
  includes: readonly IncludeSpec[],
  baseFolder: string,
): string[] {
  const found = new Set<string>();
  const own = path.dirname(texPath);
  for (const { command, dir, name } of includes) {
    const file = path.extname(name) === '' ? `${name}.tex` : name;
    if (dir !== undefined) {
      found.add(path.resolve(command.startsWith('sub') ? own : baseFolder, dir, file));
      continue;
    }
    found.add(path.resolve(baseFolder, file));
    found.add(path.resolve(own, file));
  }
  return [...found];
}

/**
 * The root document of `texPath` (whose text is `text`): its magic comment's target when `summaryOf` knows that
 * file, else the first candidate (in sorted order) that is a document and pulls `texPath` in within `maxDepth`
 * levels. `summaryOf` answers undefined for a file it cannot read. Undefined when no root is found.
 */
export function findRoot(
  texPath: string,
  text: string,
  candidates: readonly string[],
  summaryOf: (file: string) => TexSummary | undefined,
): string | undefined {
  const target = path.resolve(texPath);
  const magic = magicRoot(target, text);
  if (magic && magic !== target && summaryOf(magic) !== undefined) return magic;
  // Every candidate is looked at (the caller bounds how many there are); the files their \input chains reach are
  // bounded per search, so a workspace of long include chains cannot make one hover read everything.
  let lookups = 0;
  const counted = (file: string) => (lookups++ < maxLookups ? summaryOf(file) : undefined);
  for (const candidate of [...new Set(candidates.map((c) => path.resolve(c)))].sort()) {
    if (candidate === target) continue;
    const summary = summaryOf(candidate);
    if (summary?.isDocument && pullsIn(candidate, summary, target, counted)) return candidate;
  }
  return undefined;
}

/** Breadth-first through `\input` chains from `root`, at most `maxDepth` levels deep. */
function pullsIn(
  root: string,
  rootSummary: TexSummary,
  target: string,
  summaryOf: (file: string) => TexSummary | undefined,
): boolean {
  const base = path.dirname(root);
  const seen = new Set([root]);
  let level = [{ file: root, summary: rootSummary }];
  for (let depth = 0; depth < maxDepth && level.length > 0; depth++) {
    // The whole level is checked for the target before any of its files is read.
    const included = level.flatMap(({ file, summary }) => includedFiles(file, summary.includes, base));
    if (included.includes(target)) return true;
    const next: typeof level = [];
    for (const file of included) {
      if (seen.has(file)) continue;
      seen.add(file);
      const child = summaryOf(file);
      if (child) next.push({ file, summary: child });
    }
    level = next;
  }
  return false;
}
