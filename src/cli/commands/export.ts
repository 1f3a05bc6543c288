import { readFileSync } from 'node:fs';
import { systemClock } from '../../core/clock';
import { describeError, ExitCode, MiniAstroError } from '../../core/errors';
import { parseArxivId } from '../../pipeline/arxiv/ids';
import { exportCurated, freezeEvalIds } from '../../pipeline/dataset/export';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { openCommandDatabase } from '../context';
import { loadPipelineConfig } from '../supervisionContext';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write the curated dataset (accepted rows) as train and eval JSONL',
  usage: `miniastrolm export --out FILE [--eval-out FILE] [--freeze-eval IDS_FILE] [--db PATH] [--json]

Writes every accepted row {id, title, abstract, target_explanation, judge_feedback, accepted} — a human decision
overrides the pipeline's either way — split deterministically: training rows to --out, eval rows to --eval-out
(default: FILE with .eval.jsonl). Eval ids are frozen in the database and never enter training later.

  --freeze-eval FILE  first freeze the ids in FILE (JSONL rows with "id", or one id per line) as eval ids
  --config FILE       evalFraction and splitSalt come from its dataset: section`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        out: { type: 'string' },
        'eval-out': { type: 'string' },
        'freeze-eval': { type: 'string' },
        config: { type: 'string' },
      },
      'export',
    );
    if (!values.out)
      throw new MiniAstroError(
        'usage',
        'export needs --out FILE.',
        'For example: miniastrolm export --out data/curated.jsonl',
      );
    const config = loadPipelineConfig(values.config);
    const db = openCommandDatabase(values.db);
    try {
      let frozenFromFile = 0;
      if (values['freeze-eval']) {
        frozenFromFile = freezeEvalIds(
          db,
          readIdList(values['freeze-eval']),
          values['freeze-eval'],
          systemClock,
        );
      }
      const result = exportCurated(
        db,
        {
          out: values.out,
          evalOut: values['eval-out'],
          evalFraction: config.dataset.evalFraction,
          salt: config.dataset.splitSalt,
        },
        systemClock,
      );
      out.result(
        { ...result, frozenFromFile },
        `Exported ${result.exported} accepted rows: ${result.train} to ${result.out}, ${result.eval} to ${result.evalOut}` +
          ` (${result.newlyFrozen} eval ids newly frozen).`,
      );
      return ExitCode.ok;
    } finally {
      db.close();
    }
  },
};

function readIdList(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MiniAstroError('badInput', `Cannot read ${file}: ${describeError(error)}`, 'Check the path.');
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const raw = line.startsWith('{') ? (JSON.parse(line) as { id?: unknown }).id : line;
      if (typeof raw !== 'string')
        throw new MiniAstroError(
          'badInput',
          `${file}: a row has no "id".`,
          'One id per line, or JSONL rows with "id".',
        );
      return parseArxivId(raw).id;
    });
}
