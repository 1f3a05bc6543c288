import { systemClock } from '../../core/clock';
import { ExitCode, MiniAstroError } from '../../core/errors';
import { defaultOaiUrl, harvestOai } from '../../pipeline/ingest/harvestOai';
import { intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { createHttpClient, interruptSignal, openCommandDatabase, pageRetries } from '../context';

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

export const harvestCommand: Command = {
  name: 'harvest',
  summary: 'Bulk-harvest abstracts through arXiv OAI-PMH (resumable)',
  usage: `miniastrolm harvest [--set SET] [--from DATE] [--until DATE] [options]

Harvests arXiv metadata (ListRecords, metadataPrefix=arXiv) for tens of thousands of abstracts. OAI dates
select by last modification of the record, not by submission. The resumption token is saved after every page:
run the same command again to continue an interrupted harvest.

  --set SET          OAI set (default physics:astro-ph)
  --from DATE        YYYY-MM-DD, inclusive
  --until DATE       YYYY-MM-DD, inclusive
  --max N            stop this invocation after about N records (the harvest stays resumable)
  --restart          ignore a saved resumption token and start again
  --oai-url URL      endpoint (default ${defaultOaiUrl}; env MINIASTROLM_OAI_URL)
  --delay-ms N       gap between requests (default 3000; never below 3000 for arXiv's own hosts)
  --timeout-ms N     per-request timeout (default 120000)
  --retries N        retries per request (default 5; 503 + Retry-After is OAI flow control and is honoured),
                     and of a page that arrived but does not parse (default 3)
  --db PATH          database (default .miniastrolm/astro.db)
  --json             print one JSON object on the last line: {"fetched": N, "stored": N, ...}`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        set: { type: 'string' },
        from: { type: 'string' },
        until: { type: 'string' },
        max: { type: 'string' },
        restart: { type: 'boolean' },
        'oai-url': { type: 'string' },
        'delay-ms': { type: 'string' },
        'timeout-ms': { type: 'string' },
        retries: { type: 'string' },
      },
      'harvest',
    );
    for (const key of ['from', 'until'] as const) {
      const value = values[key];
      if (value !== undefined && !datePattern.test(value)) {
        throw new MiniAstroError(
          'usage',
          `--${key} must be a date like 2025-01-31; got "${value}".`,
          'Use YYYY-MM-DD.',
        );
      }
    }
    const db = openCommandDatabase(values.db);
    const interrupt = interruptSignal();
    try {
      const result = await harvestOai(
        {
          set: values.set ?? 'physics:astro-ph',
          from: values.from,
          until: values.until,
          max: values.max === undefined ? undefined : intOption(values.max, 'max', 0, 1),
          restart: values.restart === true,
        },
        {
          db,
          http: createHttpClient(values, out),
          clock: systemClock,
          oaiUrl: values['oai-url'] ?? process.env['MINIASTROLM_OAI_URL'] ?? defaultOaiUrl,
          signal: interrupt.signal,
          onEvent: (e) => out.progress(e),
          ...pageRetries(values),
        },
      );
      out.result(
        { ...result },
        `Harvested ${result.fetched} records (${result.inserted} new, ${result.updated} updated, ${result.deleted} deleted upstream)` +
          `${result.complete ? '; harvest complete.' : '; stopped at --max, run again to continue.'}`,
      );
      return ExitCode.ok;
    } finally {
      interrupt.dispose();
      db.close();
    }
  },
};
