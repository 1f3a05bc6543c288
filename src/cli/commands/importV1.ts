import { systemClock } from '../../core/clock';
import { ExitCode, MiniAstroError } from '../../core/errors';
import { importSeedV1 } from '../../pipeline/dataset/importV1';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { openCommandDatabase } from '../context';
import { loadPipelineConfig } from '../supervisionContext';

export const importV1Command: Command = {
  name: 'import-v1',
  summary: "Import the seed project's v1 teacher rows or eval abstracts, re-validated under our rules",
  usage: `miniastrolm import-v1 FILE [--config FILE] [--db PATH] [--json]

FILE is one of the seed project's JSONL files: accepted or rejected teacher rows {id, title, input, output}
(output as an object or a Python-repr string), or its frozen eval abstracts {id, title, input}. Teacher rows are
re-validated with our validators (configs/pipeline.yaml): passing ones await our judge, failing ones are stored as
rejected with their reasons. Eval abstracts are frozen out of training.

  --json   {"rows": N, "accepted": N, "pass_rates": {"word_range": x, ...}, "top_failures": [...]}`,
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs(argv, { config: { type: 'string' } }, 'import-v1');
    const file = positionals[0];
    if (!file || positionals.length > 1)
      throw new MiniAstroError(
        'usage',
        'import-v1 takes exactly one FILE.',
        'For example: miniastrolm import-v1 train.jsonl',
      );
    const config = loadPipelineConfig(values.config);
    const db = openCommandDatabase(values.db);
    try {
      const report = importSeedV1(file, { db, clock: systemClock, validators: config.validators });
      const rates = Object.entries(report.pass_rates)
        .map(([rule, rate]) => `  ${rule.padEnd(16)} ${(rate * 100).toFixed(1)}%`)
        .join('\n');
      const failures = report.top_failures
        .map((f) => `  ${String(f.count).padStart(5)}  ${f.error}`)
        .join('\n');
      out.result(
        { ...report },
        report.kind === 'eval'
          ? `Imported ${report.rows} eval abstracts; ${report.frozen_eval} newly frozen out of training.`
          : `Imported ${report.rows} rows; ${report.accepted} pass all our validators.\nPass rates:\n${rates}\nTop failures:\n${failures}`,
      );
      return ExitCode.ok;
    } finally {
      db.close();
    }
  },
};
