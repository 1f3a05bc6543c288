/**
 * The report's figures as Vega-Lite specifications (pure data in, spec out): loss curves, grouped bars for rates
 * and scores, and a strip of lengths. render.ts turns a spec into SVG and PNG. Every figure has a title, axis
 * titles with units, and one colour per run or model, so it reads on its own when pasted elsewhere.
 */

export type VegaLiteSpec = Record<string, unknown>;

const WIDTH = 560;
const HEIGHT = 280;

/** Shared look: the font the PNG renderer loads (render.ts), white background, readable sizes. */
export const FONT = 'DejaVu Sans';
const config = {
  font: FONT,
  background: 'white',
  title: { fontSize: 15, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom', labelLimit: 360 },
};

function base(title: string, subtitle?: string): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: subtitle ? { text: title, subtitle } : title,
    width: WIDTH,
    height: HEIGHT,
    config,
    padding: 12,
  };
}

export interface LossPoint {
  run: string;
  step: number;
  loss: number;
}

/** Training loss per step, one line per run, on a log scale (losses fall from ~11 to ~0.01 in these runs). */
export function lossCurvesSpec(points: readonly LossPoint[], title: string, subtitle?: string): VegaLiteSpec {
  return {
    ...base(title, subtitle),
    data: { values: points.filter((p) => Number.isFinite(p.loss) && p.loss > 0) },
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: {
        field: 'loss',
        type: 'quantitative',
        title: 'training loss (nats/token, log scale)',
        scale: { type: 'log' },
      },
      color: { field: 'run', type: 'nominal', title: 'run' },
    },
  };
}

export interface BarValue {
  /** The bar group on the x axis (a rule, a metric, a setting). */
  category: string;
  /** The bar within the group (a run, a model). */
  series: string;
  value: number;
}

/** Grouped bars (with their values written above them while they fit); `max` fixes the y domain (1 for rates). */
export function groupedBarsSpec(
  values: readonly BarValue[],
  options: { title: string; subtitle?: string; xTitle: string; yTitle: string; max?: number },
): VegaLiteSpec {
  const y = {
    field: 'value',
    type: 'quantitative',
    title: options.yTitle,
    ...(options.max !== undefined ? { scale: { domain: [0, options.max] } } : {}),
  };
  const categories = new Set(values.map((v) => v.category)).size;
  const x = {
    field: 'category',
    type: 'nominal',
    title: options.xTitle,
    sort: null,
    // Many groups (a bar per row) need steep labels to stay apart.
    axis: { labelAngle: categories > 8 ? -50 : -20, labelLimit: 240 },
  };
  return {
    ...base(options.title, options.subtitle),
    data: { values: values.filter((v) => Number.isFinite(v.value)) },
    encoding: {
      x,
      xOffset: { field: 'series', sort: null },
      y,
      color: { field: 'series', type: 'nominal', title: null, sort: null },
    },
    layer: [
      { mark: { type: 'bar' } },
      // Values written above the bars while they fit (up to 16 bars); beyond that they overlap.
      ...(values.length <= 16
        ? [
            {
              mark: { type: 'text', dy: -6, fontSize: 10 },
              encoding: { text: { field: 'value', type: 'quantitative', format: '.2f' } },
            },
          ]
        : []),
    ],
  };
}

export interface LengthValue {
  series: string;
  words: number;
}

/** One tick per explanation: its length in words, per run, with the contract's word range shaded. */
export function lengthStripSpec(
  values: readonly LengthValue[],
  options: { title: string; subtitle?: string; range?: { min: number; max: number } },
): VegaLiteSpec {
  const layers: VegaLiteSpec[] = [];
  if (options.range) {
    layers.push({
      data: { values: [{ min: options.range.min, max: options.range.max }] },
      mark: { type: 'rect', color: '#2ca02c', opacity: 0.12 },
      encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } },
    });
  }
  layers.push({
    data: { values },
    mark: { type: 'tick', thickness: 2, size: 22 },
    encoding: {
      x: { field: 'words', type: 'quantitative', title: 'explanation length (words)' },
      y: { field: 'series', type: 'nominal', title: null, sort: null },
      color: { field: 'series', type: 'nominal', legend: null, sort: null },
    },
  });
  return {
    ...base(options.title, options.subtitle),
    height: 60 + 40 * new Set(values.map((v) => v.series)).size,
    layer: layers,
  };
}
