import { ExitCode, MiniAstroError } from '../../core/errors';
import { PaperStore } from '../../pipeline/store/papers';
import { databaseStats } from '../../pipeline/store/stats';
import { intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { openCommandDatabase, resolveDbPath } from '../context';

export const dbCommand: Command = {
  name: 'db',
  summary: 'Inspect the database: stats, or list papers',
  usage: `miniastrolm db stats [--db PATH] [--json]
miniastrolm db papers [--limit N] [--db PATH] [--json]

  stats    papers, top categories, date range, ingest runs and batches ({"papers": N, ...} with --json)
  papers   the most recently published papers (id, primary category, title)`,
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs(argv, { limit: { type: 'string' } }, 'db');
    const action = positionals[0];
    const dbPath = resolveDbPath(values.db);
    if (action !== 'stats' && action !== 'papers') {
      throw new MiniAstroError(
        'usage',
        `Unknown db action "${action ?? ''}".`,
        'Use `miniastrolm db stats` or `miniastrolm db papers`.',
      );
    }
    const db = openCommandDatabase(values.db, { readonly: true });
    try {
      if (action === 'stats') {
        const stats = databaseStats(db);
        const lines = [
          `Database ${dbPath} (schema v${stats.schemaVersion})`,
          `Papers:      ${stats.papers}`,
          `Published:   ${stats.published.earliest ?? '-'} … ${stats.published.latest ?? '-'}`,
          `Sources:     ${
            Object.entries(stats.sources)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || '-'
          }`,
          `Batches:     ${stats.batches}`,
          'Categories:',
          ...stats.categories.map((c) => `  ${c.category.padEnd(20)} ${c.papers}`),
          ...(stats.runs.length
            ? [
                'Ingest runs:',
                ...stats.runs.map(
                  (r) => `  ${r.status.padEnd(8)} ${r.received}${r.total ? `/${r.total}` : ''}  ${r.key}`,
                ),
              ]
            : []),
        ];
        out.result({ ...stats, path: dbPath }, lines.join('\n'));
      } else {
        const papers = new PaperStore(db).list(intOption(values.limit, 'limit', 20, 1));
        out.result(
          {
            papers: papers.map((p) => ({
              id: p.id,
              version: p.version,
              primaryCategory: p.primaryCategory,
              published: p.published,
              title: p.title,
            })),
          },
          papers
            .map((p) => `${p.id.padEnd(18)} ${(p.primaryCategory ?? '').padEnd(12)} ${p.title}`)
            .join('\n'),
        );
      }
      return ExitCode.ok;
    } finally {
      db.close();
    }
  },
};
