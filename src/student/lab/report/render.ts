/**
 * A Vega-Lite spec → an SVG file and a PNG file, with no browser: vega-lite compiles the spec to Vega, Vega's
 * headless View renders the scene graph to SVG, and resvg (Rust, through @resvg/resvg-js) rasterises the SVG.
 * resvg draws text only with a font it was given, so the PNG loads DejaVu Sans from the dejavu-fonts-ttf package
 * (the same file on every machine, CI's fresh one included) and never the system's fonts.
 *
 * vega and vega-lite ship as ES modules only (vega's canvas probe awaits at top level), so they are loaded with
 * import() from their own ES-module bundle, dist/plots.mjs (plotLibraries.ts), kept outside the CommonJS bundles.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { VegaLiteSpec } from './plots';
import { FONT } from './plots';

/** PNG pixels per SVG unit: sharp on high-density screens and in documents. */
export const PNG_SCALE = 2;

export interface RenderedPlot {
  svg: string;
  png: string;
  /** SVG size in CSS pixels; the PNG is PNG_SCALE times that. */
  width: number;
  height: number;
}

let fontFile: string | undefined;

/** DejaVu Sans from its npm package. */
export function plotFontFile(): string {
  fontFile ??= require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  return fontFile;
}

type PlotLibraries = typeof import('./plotLibraries');
let libraries: Promise<PlotLibraries> | undefined;

/** dist/plots.mjs beside the running bundle; from a checkout (under tsx), the packages themselves. */
function plotLibraries(): Promise<PlotLibraries> {
  const bundled = path.join(__dirname, 'plots.mjs');
  libraries ??= existsSync(bundled)
    ? (import(pathToFileURL(bundled).href) as Promise<PlotLibraries>)
    : Promise.all([import('vega-lite'), import('vega')]).then(([lite, vega]) => ({
        compile: lite.compile,
        parse: vega.parse,
        View: vega.View,
      }));
  return libraries;
}

export async function specToSvg(spec: VegaLiteSpec): Promise<string> {
  const { compile, parse, View } = await plotLibraries();
  const compiled = compile(spec as unknown as Parameters<typeof compile>[0]).spec;
  const view = new View(parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function svgToPng(svg: string): Promise<{ png: Buffer; width: number; height: number }> {
  const { Resvg } = await import('@resvg/resvg-js');
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: {
      loadSystemFonts: false,
      fontFiles: [plotFontFile()],
      defaultFontFamily: FONT,
      sansSerifFamily: FONT,
    },
    background: 'white',
  }).render();
  return { png: rendered.asPng(), width: rendered.width, height: rendered.height };
}

/** Writes `<base>.svg` and `<base>.png`. */
export async function renderPlot(spec: VegaLiteSpec, base: string): Promise<RenderedPlot> {
  const svg = await specToSvg(spec);
  const { png } = await svgToPng(svg);
  const size = /<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg);
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(`${base}.png`, png);
  return {
    svg: `${base}.svg`,
    png: `${base}.png`,
    width: Number(size?.[1] ?? 0),
    height: Number(size?.[2] ?? 0),
  };
}
