import { systemClock } from '../../core/clock';
import { ExitCode, MiniAstroError } from '../../core/errors';
import type { IngestEvent } from '../../pipeline/ingest/events';
import { importBibFile } from '../../pipeline/ingest/importBib';
import { importAbstractsFile } from '../../pipeline/ingest/importFile';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';
import { interruptSignal, openCommandDatabase } from '../context';
import { loadPipelineConfig } from '../supervisionContext';

export const importCommand: Command = {
  name: 'import',
  summary: 'Import abstracts from a JSONL/JSON file, a saved arXiv Atom response or a .bib file',
  usage: `miniastrolm import FILE [--config FILE] [--db PATH] [--json]

Reads records {id, title, abstract (or summary), categories, authors, published, updated} as JSON Lines or a JSON
array, or a saved arXiv API response (Atom XML). Ids may carry versions or be abs URLs. Bad records are skipped
and reported by line; the rest are stored (the latest version of a paper wins). Text must be UTF-8 unless a BOM
or the XML declaration says otherwise. A file with nothing to import (empty, [], all records bad) exits 3.

A .bib file stores each entry that has an abstract (plain text), under its arXiv id, else doi:DOI, else bib:KEY;
an arXiv copy of the same paper always wins over the .bib copy.

  --config FILE   pipeline config (default configs/pipeline.yaml): ingest.maxAbstractChars
  --json          print one JSON object on the last line: {"imported": N, "skipped": N, ...}`,
  async run(argv, out) {
    const { values, positionals } = parseCommandArgs(argv, { config: { type: 'string' } }, 'import');
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      throw new MiniAstroError(
        'usage',
        'import takes exactly one FILE.',
        'For example: miniastrolm import abstracts.jsonl',
      );
    }
    const limits = loadPipelineConfig(values.config).ingest;
    const db = openCommandDatabase(values.db);
    const interrupt = interruptSignal();
    try {
      const onEvent = (e: IngestEvent) => out.progress(e);
      const result = /\.bib$/i.test(file)
        ? importBibFile(file, { db, clock: systemClock, onEvent, limits })
        : await importAbstractsFile(file, {
            db,
            clock: systemClock,
            onEvent,
            signal: interrupt.signal,
            limits,
          });
      out.result(
        { ...result },
        `Imported ${result.imported} papers from ${file} (${result.inserted} new, ${result.updated} updated, ` +
          `${result.unchanged} unchanged)${result.skipped ? `; skipped ${result.skipped} bad records (see above)` : ''}.`,
      );
      return ExitCode.ok;
    } finally {
      interrupt.dispose();
      db.close();
    }
  },
};
