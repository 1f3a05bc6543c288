/**
 * The training dashboard's page: the run's state and latest numbers, and uPlot charts of the training and eval
 * loss, the learning rate, tokens per second, the time left and the trainer's memory, drawn from the trainer's own
 * JSON events. Colours come from VS Code's theme variables (--vscode-charts-*), read when the charts are made and
 * again when the theme changes. All text is set with textContent. Speaks the protocol of dashboardProtocol.ts.
 */
import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import type { RunHistory, RunSummary } from '../../src/extension/training/runSummary';
import type {
  DashboardHostMessage,
  DashboardPageMessage,
  DashboardRun,
} from '../../src/extension/webview/dashboardProtocol';
import { describeTrainEvent, formatDuration, type TrainEvent } from '../../src/student/train/events';
import { byId, element } from '../shared/dom';

const vscode = acquireVsCodeApi();
const post = (message: DashboardPageMessage) => vscode.postMessage(message);

document.addEventListener('securitypolicyviolation', (e) =>
  post({ type: 'cspViolation', directive: e.violatedDirective, blocked: e.blockedURI || 'inline' }),
);

type Column = 'loss' | 'evalLoss' | 'lr' | 'tokensPerSec' | 'etaSec' | 'rssMb';

interface ChartSpec {
  id: string;
  title: string;
  series: { column: Column; label: string; color: string; points?: boolean }[];
  /** A value in the legend; the axis shows the same with trailing zeros dropped. */
  format: (value: number) => string;
}

/** 10.000 → 10, 2.500 → 2.5, 3.0e-4 → 3e-4: axis ticks without the legend's fixed digits. */
const trimZeros = (text: string) => text.replace(/\.0+(?=$|e)|(\.\d*?)0+(?=$|e)/, '$1');

const CHART_HEIGHT = 180;
const STEP_TICKS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1000, 10_000, 100_000].map((p) => m * p))
  .sort((a, b) => a - b);
const number = (digits: number) => (v: number) => v.toFixed(digits);
const CHARTS: ChartSpec[] = [
  {
    id: 'loss',
    title: 'Loss',
    series: [
      { column: 'loss', label: 'training loss', color: 'blue' },
      { column: 'evalLoss', label: 'eval loss', color: 'orange', points: true },
    ],
    format: number(3),
  },
  {
    id: 'lr',
    title: 'Learning rate',
    series: [{ column: 'lr', label: 'learning rate', color: 'purple' }],
    format: (v) => (v === 0 ? '0' : v.toExponential(1)),
  },
  {
    id: 'throughput',
    title: 'Tokens per second',
    series: [{ column: 'tokensPerSec', label: 'tokens/s', color: 'green' }],
    format: number(0),
  },
  {
    id: 'eta',
    title: 'Time left',
    series: [{ column: 'etaSec', label: 'ETA', color: 'yellow' }],
    format: formatDuration,
  },
  {
    id: 'memory',
    title: 'Memory (trainer RSS, MB)',
    series: [{ column: 'rssMb', label: 'RSS MB', color: 'red' }],
    format: number(0),
  },
];

/** The plotted data: one row per step, the columns the charts draw. */
const data = {
  steps: [] as number[],
  columns: { loss: [], evalLoss: [], lr: [], tokensPerSec: [], etaSec: [], rssMb: [] } as Record<
    Column,
    (number | null)[]
  >,
  rowOfStep: new Map<number, number>(),
};
let run: DashboardRun | null = null;
let summary: RunSummary | null = null;
const log: string[] = [];
const charts = new Map<string, uPlot>();

function resetData(): void {
  data.steps.length = 0;
  for (const column of Object.values(data.columns)) column.length = 0;
  data.rowOfStep.clear();
  log.length = 0;
}

/** A resumed run's steps before it (from its checkpoint): their loss and learning rate, nothing else known. */
function addHistory(history: RunHistory): void {
  for (const point of history.steps) {
    data.rowOfStep.set(point.step, data.steps.length);
    data.steps.push(point.step);
    data.columns.loss.push(point.loss);
    data.columns.lr.push(point.lr);
    for (const column of ['evalLoss', 'tokensPerSec', 'etaSec', 'rssMb'] as const)
      data.columns[column].push(null);
  }
  for (const point of history.evals) {
    const row = data.rowOfStep.get(point.step);
    if (row !== undefined) data.columns.evalLoss[row] = point.evalLoss;
  }
}

function addEvent(event: TrainEvent): void {
  if (event.type === 'step') {
    data.rowOfStep.set(event.step, data.steps.length);
    data.steps.push(event.step);
    for (const column of ['loss', 'lr', 'tokensPerSec', 'etaSec', 'rssMb'] as const) {
      data.columns[column].push(event[column]);
    }
    data.columns.evalLoss.push(null);
  } else if (event.type === 'eval') {
    const row = data.rowOfStep.get(event.step);
    if (row !== undefined) data.columns.evalLoss[row] = event.evalLoss;
  }
  if (['start', 'eval', 'checkpoint', 'note', 'done'].includes(event.type)) {
    const text = describeTrainEvent(event);
    if (text) log.push(text);
    if (log.length > 8) log.splice(0, log.length - 8);
  }
}

/** A theme colour: VS Code's chart palette, then its foreground, as a last resort a fixed grey. */
function themeColor(name: string, fallback = '--vscode-foreground'): string {
  const style = getComputedStyle(document.body);
  return style.getPropertyValue(name).trim() || style.getPropertyValue(fallback).trim() || '#888888';
}

function chartOptions(spec: ChartSpec, width: number): uPlot.Options {
  const axis = themeColor('--vscode-descriptionForeground');
  const grid = themeColor('--vscode-charts-lines', '--vscode-widget-border');
  const font = `${getComputedStyle(document.body).fontSize || '12px'} ${getComputedStyle(document.body).fontFamily}`;
  const axisStyle = {
    stroke: axis,
    font,
    grid: { stroke: grid, width: 0.5 },
    ticks: { stroke: grid, width: 0.5 },
  };
  return {
    width,
    height: CHART_HEIGHT,
    scales: { x: { time: false } },
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    axes: [
      // Steps are whole numbers: whole-number ticks only.
      { ...axisStyle, label: 'step', labelFont: font, labelSize: 18, incrs: STEP_TICKS },
      {
        ...axisStyle,
        size: 64,
        space: 24,
        values: (_u, values) => values.map((v) => (v === null ? '' : trimZeros(spec.format(v)))),
      },
    ],
    series: [
      { label: 'step', value: (_u, v) => (v === null ? '–' : String(v)) },
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: themeColor(`--vscode-charts-${s.color}`),
        width: s.points ? 2 : 1.5,
        spanGaps: s.points === true,
        points: { show: s.points === true, size: 6 },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : spec.format(v)),
      })),
    ],
  };
}

function chartData(spec: ChartSpec): uPlot.AlignedData {
  return [data.steps, ...spec.series.map((s) => data.columns[s.column])] as uPlot.AlignedData;
}

/** Builds the page's fixed parts once. */
function buildPage(): void {
  const root = byId('dashboard');
  root.replaceChildren(
    element(
      'header',
      {},
      element(
        'h1',
        {},
        element('span', { text: 'Training' }),
        element('span', { id: 'state', className: 'badge' }),
      ),
      element('div', { id: 'where' }),
    ),
    element(
      'div',
      { className: 'actions' },
      element('button', { id: 'stop', text: 'Stop (checkpoint)' }),
      element('button', { id: 'resume', text: 'Resume training' }),
    ),
    element('div', { id: 'error', className: 'error' }),
    element('p', {
      id: 'empty',
      className: 'hint',
      text: 'No training run yet: run "MiniAstroLM: Train student".',
    }),
    element('dl', { id: 'facts' }),
    element(
      'div',
      { className: 'charts', id: 'charts' },
      ...CHARTS.map((spec) =>
        element(
          'section',
          { className: 'chart' },
          element('h2', { text: spec.title }),
          element('div', { id: `chart-${spec.id}` }),
        ),
      ),
    ),
    element('h2', { id: 'log-title', text: 'Log' }),
    element('ul', { id: 'log' }),
  );
  byId('stop').addEventListener('click', () => post({ type: 'stop' }));
  byId('resume').addEventListener('click', () => post({ type: 'resume' }));
}

function makeCharts(): void {
  for (const chart of charts.values()) chart.destroy();
  charts.clear();
  for (const spec of CHARTS) {
    const holder = byId(`chart-${spec.id}`);
    const width = Math.max(240, holder.clientWidth);
    charts.set(spec.id, new uPlot(chartOptions(spec, width), chartData(spec), holder));
  }
}

const STATE_LABELS: Record<RunSummary['state'], string> = {
  starting: 'starting…',
  running: 'running',
  stopping: 'stopping: finishing the step and saving a checkpoint…',
  completed: 'completed',
  stopped: 'stopped: resumable',
  failed: 'failed',
};

/** A term and its value, grouped in a div (as a <dl> allows) so each stays in one grid cell. */
function fact(name: string, value: string): Node {
  return element('div', { className: 'fact' }, element('dt', { text: name }), element('dd', { text: value }));
}

function renderSummary(): void {
  const s = summary;
  const live = s !== null && ['starting', 'running', 'stopping'].includes(s.state);
  byId('empty').hidden = run !== null;
  // No step yet (starting, or a run the trainer refused): no empty axes.
  byId('charts').hidden = data.steps.length === 0;
  const state = byId('state');
  state.textContent = s ? STATE_LABELS[s.state] : '';
  state.className = `badge state-${s?.state ?? 'none'}`;
  byId('where').textContent = run
    ? `${run.label} · config ${run.configFile}${run.outputDir ? ` · run folder ${run.outputDir}` : ''}`
    : '';
  (byId('stop') as HTMLButtonElement).hidden = !live;
  (byId('stop') as HTMLButtonElement).disabled = s?.state === 'stopping';
  (byId('resume') as HTMLButtonElement).hidden = s?.state !== 'stopped' || !s.lastCheckpoint;
  const error = byId('error');
  error.textContent = s?.error ? `${s.error.message}${s.error.hint ? ` — ${s.error.hint}` : ''}` : '';
  error.hidden = !s?.error;
  const dash = '–';
  const fixed = (x: number | null, digits = 4) => (x === null ? dash : x.toFixed(digits));
  byId('facts').replaceChildren(
    ...(s
      ? [
          fact('Step', s.totalSteps === null ? String(s.step) : `${s.step} / ${s.totalSteps}`),
          fact('Loss', fixed(s.loss)),
          fact('Eval loss', fixed(s.evalLoss)),
          fact('Learning rate', s.lr === null ? dash : s.lr.toExponential(2)),
          fact('Tokens/s', s.tokensPerSec === null ? dash : Math.round(s.tokensPerSec).toString()),
          fact('ETA', s.etaSec === null || !live ? dash : formatDuration(s.etaSec)),
          fact('Memory', s.rssMb === null ? dash : `${s.rssMb} MB`),
          fact('Steps plotted', String(data.steps.length)),
        ]
      : []),
  );
  byId('log').replaceChildren(...log.map((line) => element('li', { text: line })));
  byId('log-title').hidden = log.length === 0;
}

function renderCharts(): void {
  for (const spec of CHARTS) charts.get(spec.id)?.setData(chartData(spec));
}

window.addEventListener('message', (event: MessageEvent<DashboardHostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'empty':
      run = null;
      summary = null;
      resetData();
      break;
    case 'run':
      run = message.run;
      summary = message.summary;
      resetData();
      if (message.history) addHistory(message.history);
      for (const e of message.events) addEvent(e);
      break;
    case 'events':
      if (message.runId !== run?.id) return;
      summary = message.summary;
      for (const e of message.events) addEvent(e);
      break;
  }
  renderSummary();
  renderCharts();
});

buildPage();
makeCharts();
renderSummary();
// Charts follow the panel's width, and the theme (VS Code changes the body's class and variables).
let resizeTimer: number | undefined;
new ResizeObserver(() => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    for (const spec of CHARTS) {
      const holder = byId(`chart-${spec.id}`);
      charts.get(spec.id)?.setSize({ width: Math.max(240, holder.clientWidth), height: CHART_HEIGHT });
    }
  }, 50);
}).observe(byId('dashboard'));
new MutationObserver(() => makeCharts()).observe(document.body, {
  attributes: true,
  attributeFilter: ['class'],
});
post({ type: 'ready' });
