import { ExitCode } from '../../core/errors';
import { SupervisionStore } from '../../pipeline/store/supervision';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { openCommandDatabase } from '../context';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'Supervision so far: papers per state, calls, tokens, cost, top failure reasons',
  usage: `miniastrolm stats [--db PATH] [--json]`,
  async run(argv, out) {
    const { values } = parseCommandArgs(argv, {}, 'stats');
    const db = openCommandDatabase(values.db, { readonly: true });
    try {
      const totals = new SupervisionStore(db).totals();
      const failures = (
        db
          .prepare(
            `SELECT json_extract(e.value, '$.message') AS message, count(*) AS n
             FROM llm_calls c, json_each(c.errors) e
             WHERE c.outcome IN ('invalid', 'failed') AND json_extract(e.value, '$.code') <> 'lenient'
             GROUP BY message ORDER BY n DESC LIMIT 10`,
          )
          .all() as { message: string; n: number }[]
      ).map((r) => ({ error: r.message, count: r.n }));
      const papers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
      const evalIds = (db.prepare('SELECT count(*) AS n FROM eval_ids').get() as { n: number }).n;
      const lines = [
        `Papers: ${papers} (eval-frozen ${evalIds}, human decisions ${totals.humanDecisions})`,
        `States: ${
          Object.entries(totals.states)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none yet'
        }`,
        `Calls:  ${
          Object.entries(totals.calls)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none yet'
        }`,
        `Tokens: ${totals.inputTokens} in, ${totals.outputTokens} out; cost $${totals.costUsd.toFixed(4)}`,
        ...(failures.length
          ? ['Top failures:', ...failures.map((f) => `  ${String(f.count).padStart(5)}  ${f.error}`)]
          : []),
      ];
      out.result({ papers, evalIds, ...totals, topFailures: failures }, lines.join('\n'));
      return ExitCode.ok;
    } finally {
      db.close();
    }
  },
};
