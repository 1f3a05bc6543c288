// Figures are real images: Vega-Lite → SVG → PNG, decoded back, of the expected size, with ink and text on them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { groupedBarsSpec, lossCurvesSpec } from '../../../src/student/lab/report/plots';
import { PNG_SCALE, renderPlot } from '../../../src/student/lab/report/render';
import { decodePng, inkShare } from '../../helpers/png';
import { tempDir } from '../../helpers/tmp';

test('a loss curve renders to an SVG with its text and a PNG of twice its size', async (t) => {
  const dir = tempDir(t);
  const points = Array.from({ length: 50 }, (_, i) => ({
    run: 'demo',
    step: i + 1,
    loss: 10 * Math.exp(-i / 8),
  }));
  const plot = await renderPlot(lossCurvesSpec(points, 'Loss of a demo run'), path.join(dir, 'loss'));
  const svg = readFileSync(plot.svg, 'utf8');
  assert.match(svg, /Loss of a demo run/);
  assert.match(svg, /optimizer step/);
  assert.match(svg, /font-family="DejaVu Sans/);
  assert.ok(plot.width > 500 && plot.height > 250, `${plot.width} × ${plot.height}`);
  const png = decodePng(readFileSync(plot.png));
  assert.equal(png.width, Math.ceil(plot.width * PNG_SCALE));
  assert.equal(png.height, Math.ceil(plot.height * PNG_SCALE));
  const ink = inkShare(png);
  // A white page with a line, axes, grid and text: some ink, mostly paper.
  assert.ok(ink > 0.01 && ink < 0.5, `ink ${ink}`);
});

test('text is drawn in the PNG: the same chart with and without its title differs in ink', async (t) => {
  const dir = tempDir(t);
  const values = [
    { category: 'a', series: 'model', value: 0.5 },
    { category: 'a', series: 'baseline', value: 0.2 },
  ];
  const titled = await renderPlot(
    groupedBarsSpec(values, { title: 'A long title that takes up room', xTitle: 'x', yTitle: 'y', max: 1 }),
    path.join(dir, 'titled'),
  );
  const blank = await renderPlot(
    groupedBarsSpec(values, { title: ' ', xTitle: 'x', yTitle: 'y', max: 1 }),
    path.join(dir, 'blank'),
  );
  const a = decodePng(readFileSync(titled.png));
  const b = decodePng(readFileSync(blank.png));
  assert.ok(inkShare(a) * a.width * a.height > inkShare(b) * b.width * b.height + 500, 'the title adds ink');
});
