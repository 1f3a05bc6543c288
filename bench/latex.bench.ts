/**
 * Finding abstracts where people write: parse the real 1 MB Zotero .bib (308 entries, 298 abstracts) and the real
 * MNRAS draft, and answer `itemAt` for every offset of the draft, as the hover provider does on each hover.
 * Goals on the 2-core dev machine (warm medians): .bib ≤ 0.25 s, .tex ≤ 10 ms, itemAt ≤ 0.05 ms.
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { itemAt } from '../src/pipeline/latex/at';
import { parseBib } from '../src/pipeline/latex/bib';
import { parseTex } from '../src/pipeline/latex/tex';
import { realdataPath } from '../test/helpers/realdata';
import type { BenchResult } from './ingest.bench';

function median(runs: number, f: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function runLatexBench(log: (line: string) => void = console.log): BenchResult[] {
  const bibFile = realdataPath('bib', 'zotero_straw674_library_prefix.bib');
  const texFile = realdataPath('tex', 'mnras_concha2019_photoevap_draft.tex');
  if (!existsSync(bibFile) || !existsSync(texFile)) {
    log('latex: ../shared/realdata is absent; skipped');
    return [];
  }
  const bib = readFileSync(bibFile, 'utf8');
  const tex = readFileSync(texFile, 'utf8');
  const bibSeconds = median(7, () => parseBib(bib));
  const texSeconds = median(21, () => parseTex(tex));
  const doc = parseTex(tex);
  const t0 = performance.now();
  for (let offset = 0; offset < tex.length; offset++) itemAt(doc, offset);
  const itemAtSeconds = (performance.now() - t0) / 1000 / tex.length;
  log(
    `latex: parseBib 1 MB ${(bibSeconds * 1000).toFixed(0)} ms, parseTex ${(texSeconds * 1000).toFixed(1)} ms, `,
  );
  log(`       itemAt ${(itemAtSeconds * 1e6).toFixed(2)} µs`);
  return [
    {
      name: 'parseBib, 1 MB Zotero .bib',
      value: bibSeconds,
      unit: 's',
      goal: '≤ 0.25',
      ok: bibSeconds <= 0.25,
    },
    {
      name: 'parseTex, 33 KB MNRAS draft',
      value: texSeconds,
      unit: 's',
      goal: '≤ 0.01',
      ok: texSeconds <= 0.01,
    },
    {
      name: 'itemAt (hover look-up)',
      value: itemAtSeconds,
      unit: 's',
      goal: '≤ 0.00005',
      ok: itemAtSeconds <= 5e-5,
    },
  ];
}
