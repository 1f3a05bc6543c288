/**
 * The curation view's charts: uPlot bar charts in the sidebar's width, coloured from the theme's chart colours.
 */
import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';

export function themeColour(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const charts: uPlot[] = [];

/** Removes every chart drawn so far (before drawing fresh ones). */
export function destroyCharts(): void {
  for (const chart of charts.splice(0)) chart.destroy();
}

/**
 * A bar chart in the sidebar's width: integer counts on the y axis, as many x labels as fit (rotated when they
 * are words), series labels in the legend without hover values.
 */
export function barChart(
  target: HTMLElement,
  labels: string[],
  series: { label: string; values: number[]; colour: string }[],
  yLabel: string,
  options: { rotate?: boolean; integers?: boolean } = {},
): void {
  const width = Math.max(200, target.clientWidth || document.body.clientWidth - 24);
  const foreground = themeColour('--vscode-foreground', '#ccc');
  const grid = themeColour('--vscode-editorWidget-border', '#444');
  const bars = uPlot.paths.bars!({ size: [0.7, 40] });
  const labelWidth = options.rotate ? 14 : Math.max(...labels.map((l) => l.length)) * 7 + 8;
  const every = Math.max(1, Math.ceil((labels.length * labelWidth) / (width - 60)));
  const chart = new uPlot(
    {
      width,
      height: options.rotate ? 220 : 170,
      // Room on the right for the last rotated label.
      padding: [8, options.rotate ? 52 : 8, 0, 0],
      legend: { show: series.length > 1, live: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.6, labels.length - 0.4] } },
      axes: [
        {
          stroke: foreground,
          grid: { show: false },
          splits: () => labels.map((_l, i) => i).filter((i) => i % every === 0),
          values: (_u, splits) => splits.map((i) => labels[Math.round(i)] ?? ''),
          ...(options.rotate ? { rotate: -50, size: 90 } : { size: 30 }),
        },
        {
          stroke: foreground,
          grid: { stroke: grid, width: 1 },
          label: yLabel,
          ...(options.integers ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : {}),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          fill: s.colour,
          stroke: s.colour,
          paths: bars,
          points: { show: false },
        })),
      ],
    },
    [labels.map((_l, i) => i), ...series.map((s) => s.values)],
    target,
  );
  charts.push(chart);
}
