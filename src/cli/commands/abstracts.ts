/**
 * `miniastrolm abstracts`: what the explainer finds in .tex and .bib files — abstracts, citation keys resolved to
 * their .bib entries, arXiv ids (looked up in the database when there is one) — as a readable list or one JSON
 * object.
 */
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describeError, ExitCode, MiniAstroError } from '../../core/errors';
import { type ListedItem, listItems } from '../../pipeline/latex/listing';
import { openDatabase } from '../../pipeline/store/database';
import { PaperStore } from '../../pipeline/store/papers';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { resolveDbPath } from '../context';
import type { Output } from '../output';

/** How far below a .tex's folder .bib files are looked for, and how many at most. */
const bibSearchDepth = 6;
const bibSearchLimit = 500;

export const abstractsCommand: Command = {
  name: 'abstracts',
  summary: 'List the abstracts, citations and arXiv ids in .tex and .bib files',
  usage: `miniastrolm abstracts FILE... [--bib FILE]... [--db PATH] [--json]

For each .tex file: its abstracts (\\begin{abstract}, A&A's \\abstract{..}{..}, JCAP's \\abstract{..}), each citation
key with the title and abstract of its .bib entry, and each arXiv id. For each .bib file: each entry that has an
abstract. Texts are plain (LaTeX converted).

Citation keys are looked up in the document's own thebibliography first, then in the --bib files when given,
else in the .bib files the document names (\\bibliography{..}, \\addbibresource{..}), else in every .bib file in
the .tex's folder tree, and last in the .bbl beside it (what an arXiv source ships). A file without \\documentclass
that another FILE given pulls in (\\input, \\include) uses that root's references. A reference-list item, an
entry without an abstract but with an arXiv id, and every arXiv id are looked up in the database when there is one.

  --bib FILE   a .bib file to resolve citations with (repeatable)
  --json       print one JSON object on the last line:
               {"items": [{"kind", "key", "file", "line", "title", "text"}, ...], "citations": N, "resolved": N, ...}`,
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { bib: { type: 'string', multiple: true } },
      'abstracts',
    );
    if (positionals.length === 0) {
      throw new MiniAstroError(
        'usage',
        'abstracts needs at least one FILE.',
        'For example: miniastrolm abstracts paper.tex --bib refs.bib',
      );
    }
    const files = positionals.map((f) => path.resolve(f));
    const bibs = (values.bib ?? []).map((f) => path.resolve(f));
    for (const file of [...files, ...bibs]) readText(file); // fail before any output on a missing file
    const database = openIfPresent(resolveDbPath(values.db), out);
    try {
      const listing = listItems(files, {
        read: readText,
        exists: (p) => isFile(p),
        bibsUnder: (folder) => bibFilesUnder(folder),
        bibs,
        ...(database ? { lookup: (id: string) => database.store.get(id) } : {}),
      });
      for (const p of listing.problems) out.note(`${p.file}:${p.line}: ${p.reason}`);
      out.result(listing, describe(listing.items, listing));
      return ExitCode.ok;
    } finally {
      database?.db.close();
    }
  },
};

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new MiniAstroError('badInput', `Cannot read ${file}: ${describeError(error)}`, 'Check the path.');
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** .bib files in a folder tree, skipping hidden folders and node_modules, bounded in depth and count. */
function bibFilesUnder(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > bibSearchDepth || found.length >= bibSearchLimit) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= bibSearchLimit) return;
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(p, depth + 1);
      else if (e.isFile() && /\.bib$/i.test(e.name)) found.push(p);
    }
  };
  walk(folder, 0);
  return found;
}

/** The workspace database, read-only, when one exists; arXiv ids are then resolved through it. */
function openIfPresent(dbPath: string, out: Output) {
  if (!isFile(dbPath)) return null;
  try {
    const db = openDatabase(dbPath, { readonly: true });
    return { db, store: new PaperStore(db) };
  } catch (error) {
    out.note(`Not looking arXiv ids up: ${describeError(error)}`);
    return null;
  }
}

function shorten(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describeItem(item: ListedItem): string {
  const at = `line ${item.line}`;
  const words = item.text ? ` (${item.text.split(' ').length} words)` : '';
  switch (item.kind) {
    case 'abstract':
      return item.key === null
        ? `  abstract, ${at}${words}: ${shorten(item.text ?? '')}`
        : `  ${item.key}, ${at}: ${item.title ?? '(no title)'}${words}`;
    case 'cite':
      if (!item.bib) return `  cite ${item.key}, ${at}: not in any reference list or .bib file searched`;
      if (item.reference !== undefined && item.reference !== null) {
        return `  cite ${item.key}, ${at} → ${path.basename(item.bib)} (reference list): ${item.title ?? shorten(item.reference)}${
          item.text ? `${words} from the database` : ' (no abstract)'
        }`;
      }
      return `  cite ${item.key}, ${at} → ${path.basename(item.bib)}: ${item.title ?? '(no title)'}${
        item.text ? `${words}${item.source === 'database' ? ' from the database' : ''}` : ' (no abstract)'
      }`;
    case 'arxiv-id':
      return `  arXiv ${item.key}, ${at}: ${item.title ? `${item.title}${words}` : 'not in the database'}`;
  }
}

function describe(items: ListedItem[], counts: ReturnType<typeof listItems>): string {
  const lines: string[] = [];
  let file = '';
  for (const item of items) {
    if (item.file !== file) {
      file = item.file;
      lines.push(path.relative(process.cwd(), file) || file);
    }
    lines.push(describeItem(item));
  }
  lines.push(
    `${counts.abstracts} abstracts, ${counts.citations} citations (${counts.resolved} resolved, ` +
      `${items.filter((i) => i.kind === 'cite' && i.text).length} with an abstract), ${counts.arxivIds} arXiv ids.`,
  );
  return lines.join('\n');
}
