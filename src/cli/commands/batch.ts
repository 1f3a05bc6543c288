import { isoNow, systemClock } from '../../core/clock';
import { ExitCode, MiniAstroError } from '../../core/errors';
import { BatchStore } from '../../pipeline/store/batches';
import { intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { openCommandDatabase } from '../context';

export const batchCommand: Command = {
  name: 'batch',
  summary: 'Create, list, show and delete named batches of papers for the teacher',
  usage: `miniastrolm batch create NAME [--category CAT]... [--from DATE] [--until DATE] [--size N] [--unbatched] [--unsupervised]
miniastrolm batch list
miniastrolm batch show NAME
miniastrolm batch delete NAME

A batch freezes a selection of stored papers, newest first, so later supervision works on a fixed list.
  --category CAT   keep papers in CAT (repeatable; astro-ph matches astro-ph.* too)
  --from / --until published date bounds, YYYY-MM-DD, inclusive
  --size N         at most N papers
  --unbatched      leave out papers that already belong to another batch
  --unsupervised   leave out papers the teacher has already handled or a person has decided
  --json           print one JSON object on the last line`,
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        category: { type: 'string', multiple: true },
        from: { type: 'string' },
        until: { type: 'string' },
        size: { type: 'string' },
        unbatched: { type: 'boolean' },
        unsupervised: { type: 'boolean' },
      },
      'batch',
    );
    const [action, name] = positionals;
    const db = openCommandDatabase(values.db);
    try {
      const batches = new BatchStore(db);
      switch (action) {
        case 'create': {
          if (!name)
            throw new MiniAstroError(
              'usage',
              'batch create needs a NAME.',
              'For example: miniastrolm batch create ga-2025 --category astro-ph.GA --size 500',
            );
          const summary = batches.create(
            name,
            {
              categories: values.category as string[] | undefined,
              from: values.from,
              until: values.until,
              size: values.size === undefined ? undefined : intOption(values.size, 'size', 100, 1),
              excludeBatched: values.unbatched === true,
              excludeSupervised: values.unsupervised === true,
            },
            isoNow(systemClock),
          );
          out.result({ ...summary }, `Batch "${summary.name}" holds ${summary.papers} papers.`);
          return ExitCode.ok;
        }
        case 'list': {
          const list = batches.list();
          out.result(
            { batches: list },
            list.length === 0
              ? 'No batches yet.'
              : list
                  .map((b) => `${b.name.padEnd(24)} ${String(b.papers).padStart(7)} papers  ${b.createdAt}`)
                  .join('\n'),
          );
          return ExitCode.ok;
        }
        case 'show': {
          if (!name)
            throw new MiniAstroError('usage', 'batch show needs a NAME.', 'See `miniastrolm batch list`.');
          const ids = batches.paperIds(name);
          out.result({ name, papers: ids.length, ids }, ids.join('\n'));
          return ExitCode.ok;
        }
        case 'delete': {
          if (!name)
            throw new MiniAstroError('usage', 'batch delete needs a NAME.', 'See `miniastrolm batch list`.');
          const deleted = batches.delete(name);
          if (!deleted)
            throw new MiniAstroError('usage', `No batch named "${name}".`, 'See `miniastrolm batch list`.');
          out.result({ deleted: name }, `Deleted batch "${name}" (its papers stay in the database).`);
          return ExitCode.ok;
        }
        default:
          throw new MiniAstroError(
            'usage',
            `Unknown batch action "${action ?? ''}".`,
            'Use create, list, show or delete.',
          );
      }
    } finally {
      db.close();
    }
  },
};
