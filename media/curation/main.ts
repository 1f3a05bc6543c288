/**
 * The curation sidebar's page: filters with counts, search, a keyboard-driven list (↑/↓ or j/k to move, a to
 * accept, r to reject, e to edit, c to clear, / to search), the selected paper's abstract and explanation with
 * the validators, the judge and the attempts, and the dataset's statistics as uPlot charts in theme colours.
 * Text is set with textContent only. Speaks the protocol of curationProtocol.ts.
 */
import type {
  CurationDetailResult,
  CurationFilter,
  CurationRow,
  CurationStats,
} from '../../src/engine/protocol';
import type { HostMessage, PageMessage } from '../../src/extension/webview/curationProtocol';
import { byId, element } from '../shared/dom';
import { barChart, destroyCharts, themeColour } from './charts';

const vscode = acquireVsCodeApi<{ filter: CurationFilter; search: string }>();
const post = (message: PageMessage) => vscode.postMessage(message);

const FILTERS: [CurationFilter, string][] = [
  ['all', 'All'],
  ['pending', 'Pending'],
  ['validated', 'Validated'],
  ['accepted', 'Accepted'],
  ['rejected', 'Rejected'],
  ['human-edited', 'Edited'],
  ['eval', 'Eval'],
];

const state = {
  filter: vscode.getState()?.filter ?? ('all' as CurationFilter),
  search: vscode.getState()?.search ?? '',
  rows: [] as CurationRow[],
  total: 0,
  selected: null as string | null,
  detail: null as CurationDetailResult | null,
  editing: false,
};

function query(offset = 0): void {
  vscode.setState({ filter: state.filter, search: state.search });
  post({ type: 'query', filter: state.filter, search: state.search, offset });
}

function renderFilters(counts: Record<CurationFilter, number>): void {
  byId('filters').replaceChildren(
    ...FILTERS.map(([filter, label]) => {
      const button = element('button', {
        className: filter === state.filter ? 'chip active' : 'chip',
        text: `${label} ${counts[filter]}`,
      });
      button.setAttribute('role', 'tab');
      button.setAttribute('aria-selected', String(filter === state.filter));
      button.addEventListener('click', () => {
        state.filter = filter;
        query();
      });
      return button;
    }),
  );
}

function renderRows(append: boolean): void {
  const list = byId('rows');
  const items = state.rows.map((row) => {
    const li = element('li');
    li.dataset['id'] = row.paperId;
    li.className = row.paperId === state.selected ? 'row selected' : 'row';
    li.append(
      element('span', { className: `badge ${row.state}`, text: row.state.replace('-', ' ') }),
      element('span', { className: 'id', text: row.paperId }),
      element('span', { className: 'title', text: row.title || '(untitled)' }),
      element('span', { className: 'words', text: row.words === null ? '' : `${row.words} w` }),
    );
    if (row.eval) li.append(element('span', { className: 'badge eval', text: 'eval' }));
    li.addEventListener('click', () => select(row.paperId));
    return li;
  });
  if (append) list.append(...items.slice(list.children.length));
  else list.replaceChildren(...items);
  const more = byId('more');
  more.replaceChildren();
  if (state.rows.length < state.total) {
    const button = element('button', {
      className: 'secondary',
      text: `Show more (${state.total - state.rows.length} left)`,
    });
    button.addEventListener('click', () => query(state.rows.length));
    more.append(button);
  } else if (state.total === 0) {
    more.append(
      element('p', {
        className: 'placeholder',
        text: 'No papers here. Fetch or import abstracts, then run the teacher.',
      }),
    );
  }
}

function select(paperId: string): void {
  state.selected = paperId;
  state.editing = false;
  for (const li of byId('rows').children) {
    li.classList.toggle('selected', (li as HTMLElement).dataset['id'] === paperId);
    if ((li as HTMLElement).dataset['id'] === paperId)
      (li as HTMLElement).scrollIntoView({ block: 'nearest' });
  }
  post({ type: 'select', paperId });
}

function move(step: number): void {
  const index = state.rows.findIndex((r) => r.paperId === state.selected);
  const next = state.rows[Math.min(state.rows.length - 1, Math.max(0, index + step))];
  if (next) select(next.paperId);
}

function renderDetail(result: CurationDetailResult): void {
  state.detail = result;
  const section = byId('detail');
  const detail = result.detail;
  section.hidden = !detail;
  if (!detail) return;
  byId('d-title').textContent = detail.row.title || detail.row.paperId;
  byId('d-meta').textContent = [
    detail.row.paperId,
    detail.row.state.replace('-', ' ') + (detail.row.human ? ' (by a person)' : ''),
    detail.row.eval ? 'frozen for evaluation' : '',
    detail.authors.slice(0, 3).join(', ') + (detail.authors.length > 3 ? ' et al.' : ''),
  ]
    .filter((s) => s)
    .join(' · ');
  byId('d-abstract').textContent = detail.abstract;
  byId('d-words').textContent = detail.row.words === null ? '' : `(${detail.row.words} words)`;
  const explanation = byId('d-explanation');
  explanation.replaceChildren(
    ...(detail.explanation ?? '')
      .split(/\n\s*\n/)
      .filter((p) => p.trim())
      .map((p) => element('p', { text: p })),
  );
  if (!detail.explanation)
    explanation.append(element('p', { className: 'placeholder', text: 'No explanation yet.' }));
  if (detail.pipelineExplanation) {
    const original = element('details');
    original.append(
      element('summary', { text: "The teacher's original" }),
      element('p', { text: detail.pipelineExplanation }),
    );
    explanation.append(original);
  }
  byId('d-validators').replaceChildren(
    ...result.validation.map((v) => {
      const li = element('li', {
        className: v.passed ? 'pass' : 'fail',
        text: `${v.passed ? '✓' : '✗'} ${v.rule}`,
      });
      for (const m of v.messages) li.append(element('div', { className: 'message', text: m }));
      return li;
    }),
  );
  if (result.validation.length === 0)
    byId('d-validators').append(element('li', { className: 'placeholder', text: 'Nothing to check yet.' }));
  renderJudge(detail.judge, detail.reason);
  byId('d-calls').replaceChildren(
    ...detail.calls.map((c) => {
      const li = element('li', {
        text: `${c.role} #${c.attempt} · ${c.model} · ${c.outcome}${c.costUsd ? ` · $${c.costUsd.toFixed(4)}` : ''} · ${c.createdAt.slice(0, 16).replace('T', ' ')}`,
      });
      for (const e of c.errors.slice(0, 4)) li.append(element('div', { className: 'message', text: e }));
      return li;
    }),
  );
  setEditing(false);
}

function renderJudge(judge: unknown, reason: string | null): void {
  const box = byId('d-judge');
  box.replaceChildren();
  const verdict = judge as {
    scores?: Record<string, unknown>;
    rationale?: unknown;
    rewrite_hint?: unknown;
  } | null;
  if (verdict?.scores) {
    const table = element('table', { className: 'scores' });
    for (const [name, value] of Object.entries(verdict.scores)) {
      const tr = element('tr');
      tr.append(element('th', { text: name }), element('td', { text: String(value) }));
      table.append(tr);
    }
    box.append(table);
    if (typeof verdict.rationale === 'string') box.append(element('p', { text: verdict.rationale }));
    if (typeof verdict.rewrite_hint === 'string' && verdict.rewrite_hint)
      box.append(element('p', { className: 'message', text: `Hint: ${verdict.rewrite_hint}` }));
  } else box.append(element('p', { className: 'placeholder', text: 'No verdict.' }));
  if (reason) box.append(element('p', { className: 'message', text: reason }));
}

function setEditing(editing: boolean): void {
  state.editing = editing;
  const editor = byId('d-editor') as HTMLTextAreaElement;
  editor.hidden = !editing;
  byId('d-explanation').hidden = editing;
  byId('save').hidden = !editing;
  byId('c-cancel').hidden = !editing;
  for (const id of ['accept', 'reject', 'edit', 'clear']) byId(id).hidden = editing;
  if (editing) {
    editor.value = state.detail?.detail?.explanation ?? '';
    editor.focus();
  }
}

function decide(decision: 'accept' | 'reject' | 'clear', explanation: string | null = null): void {
  if (!state.selected) return;
  post({ type: 'decide', paperId: state.selected, decision, explanation });
}

function renderStats(stats: CurationStats): void {
  destroyCharts();
  const counts = byId('s-counts');
  counts.replaceChildren(
    ...FILTERS.filter(([f]) => f !== 'all').map(([f, label]) =>
      element('span', { className: `badge ${f}`, text: `${label}: ${stats.counts[f]}` }),
    ),
  );
  // Words in bins of 10, the band's bins highlighted.
  const lo = Math.min(stats.band.min - 40, ...stats.words);
  const hi = Math.max(stats.band.max + 40, ...stats.words);
  const start = Math.floor(lo / 10) * 10;
  const bins: number[] = [];
  for (let b = start; b <= hi; b += 10) bins.push(b);
  const inBand = bins.map(
    (b) =>
      stats.words.filter((w) => w >= b && w < b + 10 && w >= stats.band.min && w <= stats.band.max).length,
  );
  const outBand = bins.map(
    (b) =>
      stats.words.filter((w) => w >= b && w < b + 10 && (w < stats.band.min || w > stats.band.max)).length,
  );
  const wordsBox = byId('s-words');
  wordsBox.replaceChildren();
  if (stats.words.length === 0)
    wordsBox.append(element('p', { className: 'placeholder', text: 'No explanations yet.' }));
  else
    barChart(
      wordsBox,
      bins.map((b) => String(b)),
      [
        {
          label: `${stats.band.min}–${stats.band.max}`,
          values: inBand,
          colour: themeColour('--vscode-charts-green', '#89d185'),
        },
        { label: 'outside', values: outBand, colour: themeColour('--vscode-charts-red', '#f14c4c') },
      ],
      'explanations',
      { integers: true },
    );
  const validatorBox = byId('s-validators');
  validatorBox.replaceChildren();
  const checked = stats.validators[0]?.checked ?? 0;
  if (checked === 0)
    validatorBox.append(element('p', { className: 'placeholder', text: 'No teacher answers yet.' }));
  else
    barChart(
      validatorBox,
      stats.validators.map((v) => v.rule.replace('_', ' ')),
      [
        {
          label: 'pass %',
          values: stats.validators.map((v) => Math.round((100 * v.passed) / Math.max(1, v.checked))),
          colour: themeColour('--vscode-charts-blue', '#3794ff'),
        },
      ],
      `% of ${checked} answers`,
      { rotate: true },
    );
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'page':
      if (message.filter !== state.filter || message.search !== state.search) return;
      state.rows = message.offset === 0 ? message.page.rows : [...state.rows, ...message.page.rows];
      state.total = message.page.total;
      renderFilters(message.page.counts);
      renderRows(message.offset > 0);
      if (!state.selected && state.rows[0]) select(state.rows[0].paperId);
      else if (state.selected && message.offset === 0) post({ type: 'select', paperId: state.selected });
      break;
    case 'detail':
      if (message.paperId === state.selected) renderDetail(message.result);
      break;
    case 'stats':
      renderStats(message.stats);
      break;
    case 'notice': {
      const notice = byId('c-notice');
      notice.textContent = message.text;
      notice.className = message.kind;
      notice.hidden = false;
      break;
    }
    case 'refresh':
      query();
      if ((byId('stats') as HTMLDetailsElement).open) post({ type: 'stats' });
      break;
  }
});

const search = byId('search') as HTMLInputElement;
search.value = state.search;
let searchTimer: ReturnType<typeof setTimeout> | undefined;
search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.search = search.value;
    query();
  }, 200);
});
byId('accept').addEventListener('click', () => decide('accept'));
byId('reject').addEventListener('click', () => decide('reject'));
byId('clear').addEventListener('click', () => decide('clear'));
byId('edit').addEventListener('click', () => setEditing(true));
byId('c-cancel').addEventListener('click', () => setEditing(false));
byId('save').addEventListener('click', () =>
  decide('accept', (byId('d-editor') as HTMLTextAreaElement).value),
);
byId('stats').addEventListener('toggle', () => {
  if ((byId('stats') as HTMLDetailsElement).open) post({ type: 'stats' });
});
document.addEventListener('keydown', (event) => {
  const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
  if (typing) {
    if (event.key === 'Escape') {
      if (state.editing) setEditing(false);
      (event.target as HTMLElement).blur();
    }
    return;
  }
  const actions: Record<string, () => void> = {
    ArrowDown: () => move(1),
    j: () => move(1),
    ArrowUp: () => move(-1),
    k: () => move(-1),
    a: () => decide('accept'),
    r: () => decide('reject'),
    c: () => decide('clear'),
    e: () => setEditing(true),
    '/': () => search.focus(),
  };
  const action = actions[event.key];
  if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    action();
  }
});

post({ type: 'ready' });
query();
