/**
 * For a .tex file that is part of a paper, the root document and its parse (root.ts finds the root). Workspace
 * .tex files are summarised once per size and modification time and only the summary is kept (a few include
 * paths, not the text), so a rescan of a section in a large thesis costs a stat per candidate; a root (or a .bbl)
 * is parsed when its references are asked for, and that parse is kept until the file changes.
 */
import { readFileSync, statSync } from 'node:fs';
import {
  findRoot,
  isRootDocument,
  parseTex,
  summarizeTex,
  type TexDocument,
  type TexSummary,
} from '../pipeline/latex';

/** A text larger than this is not a LaTeX source worth reading for its root. */
const maxTexBytes = 5_000_000;
/** Parsed files kept at most (roots and .bbl files); the oldest parse is dropped first. */
const maxParsed = 50;

interface Entry {
  stamp: string;
  summary?: TexSummary;
  doc?: TexDocument;
}

export class TexFiles {
  private readonly entries = new Map<string, Entry>();
  private readonly parsedOrder: string[] = [];

  /** What a root search needs of the file, or undefined when it is missing, unreadable or too large. */
  summary(file: string): TexSummary | undefined {
    const entry = this.entry(file);
    if (!entry) return undefined;
    if (!entry.summary) {
      const text = readText(file);
      if (text === undefined) return undefined;
      entry.summary = summarizeTex(text);
    }
    return entry.summary;
  }

  /** The file parsed, or undefined when it cannot be read. */
  parsed(file: string): TexDocument | undefined {
    const entry = this.entry(file);
    if (!entry) return undefined;
    if (!entry.doc) {
      const text = readText(file);
      if (text === undefined) return undefined;
      entry.doc = parseTex(text);
      this.parsedOrder.push(file);
      if (this.parsedOrder.length > maxParsed) {
        const dropped = this.entries.get(this.parsedOrder.shift()!);
        if (dropped) delete dropped.doc;
      }
    }
    return entry.doc;
  }

  /** The file's entry for its current size and modification time (a changed file starts a fresh one). */
  private entry(file: string): Entry | undefined {
    let stamp: string;
    try {
      const s = statSync(file);
      if (!s.isFile() || s.size > maxTexBytes) return undefined;
      stamp = `${s.size}:${s.mtimeMs}`;
    } catch {
      return undefined;
    }
    const cached = this.entries.get(file);
    if (cached?.stamp === stamp) return cached;
    const entry: Entry = { stamp };
    this.entries.set(file, entry);
    return entry;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface RootReferences {
  /** The root document's path. */
  root: string;
  doc: TexDocument;
}

/** The root of `file` and its parse, or undefined when `text` is a whole document or no root pulls it in. */
export function rootReferences(
  file: string,
  text: string,
  workspaceTex: readonly string[],
  texFiles: TexFiles,
): RootReferences | undefined {
  if (isRootDocument(text)) return undefined;
  const root = findRoot(file, text, workspaceTex, (f) => texFiles.summary(f));
  const doc = root ? texFiles.parsed(root) : undefined;
  return root && doc ? { root, doc } : undefined;
}
