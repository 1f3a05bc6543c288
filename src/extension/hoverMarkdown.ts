/**
 * The hover's Markdown, source first (users trust the abstract more than a model): title and authors, the
 * abstract shortened, then the explanation with who wrote it and what the faithfulness checks flagged, then
 * command links. A failed attempt is the exception: what went wrong and the retry come before the abstract. All
 * text from papers and models is escaped, so it renders as text whatever it holds. No `vscode` here: the provider
 * wraps this string in a trusted MarkdownString.
 */
import type { ExplainResult, ScannedItem } from '../engine/protocol';

/**
 * Escapes Markdown and HTML syntax so `text` shows literally (as VS Code's MarkdownString.appendText does). Line
 * breaks become spaces, so a list marker (`1.`, `-`, `+`) can only begin the text: only there are `.`, `-` and `+`
 * escaped, which keeps URLs in messages whole for the renderer's link detection (an escaped `.` left a stray `\`
 * in the link it made).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_{}[\]()#!|~>$]/g, '\\$&')
    .replace(/^(\s*)(\d+)([.)])/, '$1$2\\$3')
    .replace(/^(\s*)([-+])/, '$1\\$2')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.5 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export function commandLink(label: string, command: string, args: unknown): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify([args]))})`;
}

export interface HoverState {
  item: ScannedItem;
  /** The cached explanation, if any. */
  result: ExplainResult | undefined;
  /** Work on it is queued or running. */
  pending: boolean;
  /** The last attempt failed (and nothing is cached): what went wrong and what to do. */
  failure?: { message: string; hint: string } | null;
  /** The teacher explains (a failure then links to the key and the teacher's settings). */
  teacher?: boolean;
  /** Why nothing can explain (no student, no teacher), or null. */
  noExplainer: string | null;
  /** Identifies the item for the command links. */
  target: { uri: string; offset: number };
  abstractChars: number;
}

const MARK_NAMES: Record<string, string> = {
  new_number: 'number not in the abstract',
  copied: 'copied from the abstract',
  repetition: 'repetition',
  new_entity: 'name not in the abstract',
};

/** How much of a thebibliography reference the hover shows (a reference is rarely longer). */
const REFERENCE_CHARS = 300;

function heading(item: ScannedItem): string {
  const parts: string[] = [];
  parts.push(
    `**${escapeMarkdown(item.title ?? (item.kind === 'abstract' ? 'Abstract of this document' : (item.key ?? 'Abstract')))}**`,
  );
  const authors =
    item.authors.length > 3 ? `${item.authors.slice(0, 3).join(', ')} et al.` : item.authors.join(', ');
  const facts = [authors, item.year ?? '', item.arxivId ? `arXiv:${item.arxivId}` : ''].filter((s) => s);
  if (facts.length) parts.push(escapeMarkdown(facts.join(' · ')));
  // A reference from the document's own list: its typeset text is all there is to say who and where.
  if (item.reference) parts.push(`_${escapeMarkdown(shorten(item.reference, REFERENCE_CHARS))}_`);
  return parts.join('  \n');
}

function marksLine(result: ExplainResult): string | null {
  if (result.marks.length === 0) return null;
  const shown = result.marks
    .slice(0, 4)
    .map((m) => `${MARK_NAMES[m.kind] ?? m.kind} “${escapeMarkdown(shorten(m.text, 40))}”`);
  const more = result.marks.length > 4 ? ` and ${result.marks.length - 4} more` : '';
  return `$(warning) Check: ${shown.join(' · ')}${more}`;
}

export function hoverMarkdown(state: HoverState): string {
  const { item, result, target } = state;
  const blocks: string[] = [heading(item)];
  if (!item.abstract) {
    blocks.push(`$(info) ${escapeMarkdown(item.problem ?? 'No abstract found for this item.')}`);
    if (item.arxivId)
      blocks.push(commandLink('Fetch the abstract from arXiv', 'miniastrolm.fetchMissingAbstract', target));
    return blocks.join('\n\n');
  }
  const quote = `> ${escapeMarkdown(shorten(item.abstract, state.abstractChars))}`;
  if (!result && state.failure && !state.pending) {
    // A failure goes above the abstract: a hover is only so tall, and what to do now matters more than the source.
    const { message, hint } = state.failure;
    blocks.push(
      `$(error) Could not explain: ${escapeMarkdown(message)}${hint ? ` ${escapeMarkdown(hint)}` : ''}`,
    );
    blocks.push(
      [
        commandLink('Try again', 'miniastrolm.explainInPanel', target),
        ...(state.teacher
          ? [
              commandLink('Set API key', 'miniastrolm.setApiKey', {}),
              commandLink('Teacher settings', 'workbench.action.openSettings', 'miniastrolm.teacher'),
            ]
          : [
              commandLink(
                'Student model setting',
                'workbench.action.openSettings',
                'miniastrolm.studentModel',
              ),
            ]),
      ].join(' · '),
    );
    blocks.push('---', quote);
    return blocks.join('\n\n');
  }
  blocks.push(quote);
  blocks.push('---');
  if (result) {
    const by = result.source === 'student' ? `student, ${result.tokens} tokens` : result.writtenBy;
    if (result.explanation) {
      blocks.push(`$(sparkle) **Explanation** _(${escapeMarkdown(by)})_`);
      blocks.push(escapeMarkdown(result.explanation.replace(/\n\s*\n/g, ' ¶ ')));
    } else {
      blocks.push(
        `$(error) The teacher's answers failed the checks: ${escapeMarkdown(result.reason ?? result.errors.join('; '))}`,
      );
    }
    const marks = marksLine(result);
    if (marks) blocks.push(marks);
    if (result.droppedAbstractTokens > 0) {
      blocks.push(
        `$(info) The model read only part of the abstract: its last ${result.droppedAbstractTokens} tokens did not fit.`,
      );
    }
  } else if (state.noExplainer) {
    blocks.push(`$(info) ${escapeMarkdown(state.noExplainer)}`);
    blocks.push(
      [
        commandLink('Set API key', 'miniastrolm.setApiKey', {}),
        commandLink('Teacher settings', 'workbench.action.openSettings', 'miniastrolm.teacher'),
        commandLink('Student model setting', 'workbench.action.openSettings', 'miniastrolm.studentModel'),
      ].join(' · '),
    );
    return blocks.join('\n\n');
  } else {
    blocks.push(
      `$(loading~spin) Explaining… hover again in a moment, or open the panel to watch it being written.`,
    );
  }
  blocks.push(
    [
      commandLink('Explain in panel', 'miniastrolm.explainInPanel', target),
      commandLink('Regenerate with teacher', 'miniastrolm.regenerateWithTeacher', target),
      ...(result?.explanation ? [commandLink('Add to dataset', 'miniastrolm.addToDataset', target)] : []),
    ].join(' · '),
  );
  return blocks.join('\n\n');
}

/** The commands the hover links to: the only ones its trusted Markdown may run. */
export const HOVER_COMMANDS = [
  'miniastrolm.explainInPanel',
  'miniastrolm.regenerateWithTeacher',
  'miniastrolm.addToDataset',
  'miniastrolm.fetchMissingAbstract',
  'miniastrolm.setApiKey',
  'workbench.action.openSettings',
];
