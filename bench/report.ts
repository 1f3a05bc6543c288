/** The one-line-per-goal summary the single-benchmark entry points print. */
import type { BenchResult } from './ingest.bench';

export function printGoals(results: readonly BenchResult[]): void {
  for (const r of results)
    console.log(`  ${r.ok ? 'meets' : 'MISSES'} goal ${r.goal}: ${r.name} = ${r.value.toFixed(3)} ${r.unit}`);
}
