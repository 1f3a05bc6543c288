/**
 * For a .tex file that is part of a paper, the root document's references: its thebibliography items and the
 * .bib files it names (root.ts finds the root). Workspace .tex files are read and parsed once per size and
 * modification time, so a hover's rescan costs a stat per candidate.
 */
import { readFileSync, statSync } from 'node:fs';
import { findRoot, isRootDocument, parseTex, type TexDocument } from '../pipeline/latex';

/** A text larger than this is not a LaTeX source worth reading for its root. */
const maxTexBytes = 5_000_000;

interface Entry {
  stamp: string;
  text: string;
  /** Parsed on first use. */
  doc?: TexDocument;
}

export class TexFiles {
  private readonly cache = new Map<string, Entry>();

  /** The file's text, or undefined when it is missing, unreadable or too large. */
  read(file: string): string | undefined {
    return this.entry(file)?.text;
  }

  /** The file parsed, or undefined when it cannot be read. */
  parsed(file: string): TexDocument | undefined {
    const entry = this.entry(file);
    if (!entry) return undefined;
    entry.doc ??= parseTex(entry.text);
    return entry.doc;
  }

  private entry(file: string): Entry | undefined {
    let stamp: string;
    try {
      const s = statSync(file);
      if (!s.isFile() || s.size > maxTexBytes) return undefined;
      stamp = `${s.size}:${s.mtimeMs}`;
    } catch {
      return undefined;
    }
    const cached = this.cache.get(file);
    if (cached?.stamp === stamp) return cached;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const entry: Entry = { stamp, text };
    this.cache.set(file, entry);
    return entry;
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
  const root = findRoot(file, text, workspaceTex, (f) => texFiles.read(f));
  const doc = root ? texFiles.parsed(root) : undefined;
  return root && doc ? { root, doc } : undefined;
}
