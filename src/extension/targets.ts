/**
 * What the editor explains: an abstract with its paper, from whatever the cursor was on (a .tex abstract, a
 * citation resolved through a .bib file, a .bib abstract field, an arXiv id, a selection). No `vscode` here.
 */
import path from 'node:path';
import type { PaperRef, ScannedItem } from '../engine/protocol';
import type { PanelPaper } from './webview/panelProtocol';

export interface ExplainTarget {
  abstract: string;
  paper: PaperRef;
  display: PanelPaper;
  /** For "Insert as LaTeX comment": the document and the 0-based line after which to insert. */
  insertAfter: { uri: string; line: number } | null;
}

/**
 * The item under the cursor: the innermost of those whose span holds `offset` (ends inclusive), so a citation or
 * an arXiv id inside an abstract or a reference is found before what surrounds it.
 */
export function innermostItem(items: readonly ScannedItem[], offset: number): ScannedItem | undefined {
  let best: ScannedItem | undefined;
  for (const item of items) {
    if (item.start > offset || offset > item.end) continue;
    if (!best || item.end - item.start < best.end - best.start) best = item;
  }
  return best;
}

export function describeOrigin(item: ScannedItem, file: string): string {
  const name = path.basename(file);
  switch (item.origin) {
    case 'document':
      return `${name}, line ${item.line}`;
    case 'bib':
      return `${path.basename(item.bibFile ?? file)} (${item.key ?? ''})`;
    case 'database':
      return 'the workspace database';
    default:
      return name;
  }
}

/** The target for a scanned item that has an abstract. `endLine` is the 0-based line where its abstract ends. */
export function targetFromItem(
  item: ScannedItem & { abstract: string },
  file: string,
  uri: string,
  endLine: number,
): ExplainTarget {
  return {
    abstract: item.abstract,
    paper: { id: item.paperId, title: item.title, authors: item.authors },
    display: {
      title: item.title,
      authors: item.authors,
      year: item.year,
      arxivId: item.arxivId,
      origin: describeOrigin(item, file),
      abstract: item.abstract,
      canInsert: item.kind === 'abstract',
    },
    insertAfter: item.kind === 'abstract' ? { uri, line: endLine } : null,
  };
}

/** Wraps an explanation as LaTeX comment lines (`% …`), at most `width` characters each. */
export function asLatexComment(explanation: string, header: string, width = 100): string {
  const lines = [`% ${header}`];
  for (const paragraph of explanation.split(/\n\s*\n/)) {
    if (lines.length > 1) lines.push('%');
    let line = '%';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      // A % inside the text would end the comment's visible part for a reader; escape it as LaTeX does.
      const safe = word.replace(/%/g, '\\%');
      if (line.length + 1 + safe.length > width && line !== '%') {
        lines.push(line);
        line = '%';
      }
      line += ` ${safe}`;
    }
    if (line !== '%') lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}
