/**
 * The explanation panel's page: the abstract and the explanation side by side, tokens streaming in, the
 * faithfulness marks highlighted, and the actions. Every piece of text is set with textContent — never parsed as
 * HTML — so an abstract holding `<script>` shows as text. Speaks the protocol of panelProtocol.ts.
 */
import type {
  HostMessage,
  PageMessage,
  PanelExplanation,
  PanelPaper,
} from '../../src/extension/webview/panelProtocol';
import { byId, element } from '../shared/dom';

const vscode = acquireVsCodeApi();
const post = (message: PageMessage) => vscode.postMessage(message);

const MARK_LABELS: Record<string, string> = {
  new_number: 'number not in the abstract',
  copied: 'copied from the abstract',
  repetition: 'repeats itself',
  new_entity: 'name not in the abstract',
};

function showPaper(paper: PanelPaper): void {
  byId('title').textContent = paper.title ?? 'Abstract';
  const facts = [
    paper.authors.length > 3 ? `${paper.authors.slice(0, 3).join(', ')} et al.` : paper.authors.join(', '),
    paper.year ?? '',
    paper.arxivId ? `arXiv:${paper.arxivId}` : '',
    paper.origin,
  ].filter((s) => s);
  byId('meta').textContent = facts.join(' · ');
  byId('abstract').textContent = paper.abstract;
  (byId('insert') as HTMLButtonElement).hidden = !paper.canInsert;
  byId('explanation').replaceChildren(
    element('p', { className: 'placeholder', text: 'Waiting for the explainer…' }),
  );
  byId('notes').replaceChildren();
  byId('marks').replaceChildren();
  setBusy(true);
}

function setBusy(busy: boolean): void {
  (byId('cancel') as HTMLButtonElement).hidden = !busy;
  for (const id of ['copy', 'add', 'regenerate', 'insert']) (byId(id) as HTMLButtonElement).disabled = busy;
  document.body.classList.toggle('busy', busy);
}

/** The explanation's paragraphs, with each mark's characters wrapped in a highlighted span. */
function renderMarked(text: string, marks: PanelExplanation['marks']): Node[] {
  const paragraphs: Node[] = [];
  let paragraph = element('p');
  const sorted = [...marks].sort((a, b) => a.start - b.start);
  let at = 0;
  const appendPlain = (chunk: string) => {
    const parts = chunk.split(/\n\s*\n/);
    parts.forEach((part, i) => {
      if (i > 0) {
        paragraphs.push(paragraph);
        paragraph = element('p');
      }
      if (part) paragraph.append(document.createTextNode(part));
    });
  };
  for (const mark of sorted) {
    if (mark.start < at || mark.end > text.length) continue;
    appendPlain(text.slice(at, mark.start));
    paragraph.append(
      element('mark', {
        className: `mark-${mark.kind} ${mark.severity}`,
        text: text.slice(mark.start, mark.end),
        title: `${MARK_LABELS[mark.kind] ?? mark.kind}: ${mark.message}`,
      }),
    );
    at = mark.end;
  }
  appendPlain(text.slice(at));
  paragraphs.push(paragraph);
  return paragraphs;
}

function showExplanation(explanation: PanelExplanation): void {
  setBusy(false);
  const body = byId('explanation');
  if (explanation.text) body.replaceChildren(...renderMarked(explanation.text, explanation.marks));
  else body.replaceChildren(element('p', { className: 'placeholder', text: 'No explanation.' }));
  byId('written-by').textContent = explanation.writtenBy;
  const notes = explanation.notes.map((n) => element('li', { text: n }));
  const errors = explanation.errors.map((e) => element('li', { className: 'error', text: e }));
  byId('notes').replaceChildren(...notes, ...errors);
  const counts = new Map<string, number>();
  for (const mark of explanation.marks) counts.set(mark.kind, (counts.get(mark.kind) ?? 0) + 1);
  byId('marks').replaceChildren(
    ...[...counts].map(([kind, n]) =>
      element('span', { className: `legend mark-${kind}`, text: `${n} × ${MARK_LABELS[kind] ?? kind}` }),
    ),
  );
}

function showNotice(text: string, kind: 'info' | 'error'): void {
  const notice = byId('notice');
  notice.textContent = text;
  notice.className = kind;
  notice.hidden = false;
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'paper':
      byId('notice').hidden = true;
      showPaper(message.paper);
      break;
    case 'progress': {
      const label = {
        loading: 'Loading the student model…',
        generating: `Writing… ${message.tokens} tokens`,
        'asking-teacher': 'Asking the teacher…',
        'asking-judge': 'The judge is reading it…',
      }[message.phase];
      byId('written-by').textContent = label ?? message.phase;
      if (message.text) byId('explanation').replaceChildren(...renderMarked(message.text, []));
      break;
    }
    case 'explanation':
      showExplanation(message.explanation);
      break;
    case 'error':
      setBusy(false);
      byId('written-by').textContent = '';
      byId('explanation').replaceChildren(
        element('p', { className: 'error', text: message.message }),
        ...(message.hint ? [element('p', { className: 'hint', text: message.hint })] : []),
      );
      break;
    case 'notice':
      showNotice(message.text, message.kind);
      break;
  }
});

for (const [id, type] of [
  ['copy', 'copy'],
  ['insert', 'insertAsComment'],
  ['add', 'addToDataset'],
  ['regenerate', 'regenerate'],
  ['cancel', 'cancel'],
] as const) {
  byId(id).addEventListener('click', () => post({ type }));
}

post({ type: 'ready' });
