/**
 * Hovers over abstracts, citation keys, .bib abstract fields and arXiv ids. `provideHover` reads only the
 * document index and the explanation cache and returns at once; when no explanation is cached it says
 * "Explaining…" and queues the work in the background, so the next hover has it. When that work failed, the
 * hover says why and offers a retry instead of queueing it again.
 */
import * as vscode from 'vscode';
import type { DocumentIndex } from './documentIndex';
import { type Explainer, NoExplainer } from './explainer';
import { HOVER_COMMANDS, hoverMarkdown } from './hoverMarkdown';
import { readSettings } from './settings';
import { JobDropped } from './workQueue';

/** Characters of the abstract shown before "…". */
const ABSTRACT_CHARS = 400;

export class AbstractHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly index: DocumentIndex,
    private readonly explainer: Explainer,
    private readonly log: vscode.OutputChannel,
    /** Called when a hover shows an explanation. */
    private readonly onExplained: () => void = () => {},
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!readSettings().hoverEnabled) return undefined;
    const offset = document.offsetAt(position);
    const item = this.index.itemAt(document, offset);
    if (!item) return undefined;
    const lookup = item.abstract ? this.explainer.lookup(item.abstract) : undefined;
    const noExplainer = lookup?.choice.kind === 'none' ? lookup.choice.reason : null;
    // After a failure the hover shows it and starts nothing: retrying is the user's call (a link in the hover).
    if (item.abstract && lookup && !lookup.result && !lookup.pending && !lookup.failure && !noExplainer) {
      this.explainer
        .explain({
          abstract: item.abstract,
          paper: { id: item.paperId, title: item.title, authors: item.authors },
          priority: 'background',
        })
        .catch((error: unknown) => {
          if (error instanceof JobDropped || error instanceof NoExplainer) return;
          this.log.appendLine(
            `background explanation failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        });
    }
    if (lookup?.result?.explanation) this.onExplained();
    const markdown = new vscode.MarkdownString(
      hoverMarkdown({
        item,
        result: lookup?.result,
        pending: lookup?.pending ?? false,
        failure: lookup?.result ? null : (lookup?.failure ?? null),
        teacher: lookup?.choice.kind === 'teacher',
        noExplainer,
        target: { uri: document.uri.toString(), offset: item.start },
        abstractChars: ABSTRACT_CHARS,
      }),
      true,
    );
    markdown.isTrusted = { enabledCommands: HOVER_COMMANDS };
    return new vscode.Hover(
      markdown,
      new vscode.Range(document.positionAt(item.start), document.positionAt(item.end)),
    );
  }
}
