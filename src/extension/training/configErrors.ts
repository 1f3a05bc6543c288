/**
 * A training config's errors in the editor. Where the trainer's refusal points: the config readers name the key
 * (`model.config.nHedd: unknown key …`, `optimizer.noDecay[2]: expected …`, a top-level key as
 * `student_train.yaml.batchSiz: …`), and a YAML syntax error names a line and column; this finds that key's text
 * range in the file with the `yaml` package's source ranges, for a diagnostic on the right line. And the same
 * readers the trainer uses, run on the text being edited, so a fixed file loses its diagnostic on save.
 * Pure: no `vscode`.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, parse as parseYaml } from 'yaml';
import { describeError, isMiniAstroError } from '../../core/errors';
import { trainConfigFrom } from '../../student/config/trainConfig';

/** What the trainer's config readers say about `text` (the file `file`): null when they accept it. */
export function trainConfigProblem(text: string, file: string): string | null {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    return `${file} is not valid YAML: ${describeError(error)}`;
  }
  try {
    trainConfigFrom(parsed);
    return null;
  } catch (error) {
    if (isMiniAstroError(error)) return error.message;
    throw error;
  }
}

/** 0-based, as editors count. */
export interface TextPosition {
  line: number;
  character: number;
}

export interface ConfigErrorRange {
  start: TextPosition;
  end: TextPosition;
  /** The key path as the message names it, e.g. ['model', 'config', 'nHedd']. */
  path: (string | number)[];
  /** False when the named key is not in the file (a missing key): the range is its deepest parent that is. */
  exact: boolean;
}

/** The key path a config error message starts with, or null when it names none. */
export function configErrorPath(message: string): (string | number)[] | null {
  const match = /^([^\s:]+): /.exec(message);
  if (!match) return null;
  // The top level is named after the file (`student_train.yaml.batchSiz`): drop that part.
  const keys = match[1]!.replace(/^[^.[\]]+\.ya?ml(?=[.[]|$)\.?/, '');
  if (!keys) return null;
  const parts = keys.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  return parts.map((part) => (part.startsWith('[') ? Number(part.slice(1, -1)) : part));
}

/** Finds the range a config error message points at in `yamlText`; null when it names no place in it. */
export function locateConfigError(yamlText: string, message: string): ConfigErrorRange | null {
  const lines = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter: lines, keepSourceTokens: false });
  const toPosition = (offset: number): TextPosition => {
    const { line, col } = lines.linePos(offset);
    return { line: line - 1, character: col - 1 };
  };
  const syntax = /at line (\d+), column (\d+)/.exec(message);
  if (syntax && / is not valid YAML/.test(message)) {
    const line = Number(syntax[1]) - 1;
    const text = yamlText.split(/\r?\n/)[line] ?? '';
    return {
      start: { line, character: Number(syntax[2]) - 1 },
      end: { line, character: Math.max(text.length, Number(syntax[2]) - 1) },
      path: [],
      exact: true,
    };
  }
  const path = configErrorPath(message);
  if (!path) return null;
  let node: unknown = document.contents;
  let found: [number, number] | null = null;
  let depth = 0;
  for (const key of path) {
    let next: { range: [number, number]; value: unknown } | null = null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      const keyRange = pair && (pair.key as Node).range;
      if (pair && keyRange) next = { range: [keyRange[0], keyRange[1]], value: pair.value };
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (item?.range) next = { range: [item.range[0], item.range[1]], value: item };
    }
    if (!next) break;
    found = next.range;
    node = next.value;
    depth++;
  }
  if (!found) return null;
  return { start: toPosition(found[0]), end: toPosition(found[1]), path, exact: depth === path.length };
}
