import { systemClock } from '../../core/clock';
import { ExitCode, MiniAstroError } from '../../core/errors';
import { parseArxivId } from '../../pipeline/arxiv/ids';
import { arxivMaxResultsPerQuery } from '../../pipeline/arxiv/query';
import { defaultArxivApiUrl, fetchFromApi } from '../../pipeline/ingest/fetchApi';
import { choiceOption, intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';
import { createHttpClient, interruptSignal, openCommandDatabase, pageRetries } from '../context';

export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'Fetch abstracts from the arXiv API into the database (resumable)',
  usage: `miniastrolm fetch --query QUERY [--max N] [options]
miniastrolm fetch --ids ID[,ID...] [options]

Searches arXiv (https://info.arxiv.org/help/api/user-manual.html) and stores every result. A run that is
killed or interrupted resumes where it stopped when the same command is run again.

  --query Q          arXiv search_query, e.g. 'cat:astro-ph.GA' or 'cat:astro-ph.HE AND abs:magnetar'
  --ids LIST         comma-separated arXiv ids (2501.01234, astro-ph/0601001v2)
  --max N            stop after N results (default 1000; arXiv serves at most 30000 per query)
  --page-size N      results per request (default 200, at most 2000)
  --sort-by F        submittedDate (default) | lastUpdatedDate | relevance
  --sort-order O     descending (default) | ascending
  --restart          ignore the saved position and start from the first result
  --arxiv-url URL    API endpoint (default ${defaultArxivApiUrl}; env MINIASTROLM_ARXIV_URL)
  --delay-ms N       gap between requests (default 3000; never below 3000 for arXiv's own hosts)
  --timeout-ms N     per-request timeout (default 120000)
  --retries N        retries per request on 429/5xx/network errors (default 5), and of a page that
                     arrived but does not parse (default 3)
  --db PATH          database (default .miniastrolm/astro.db; env MINIASTROLM_DB)
  --json             print one JSON object on the last line: {"fetched": N, "stored": N, ...}`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        query: { type: 'string' },
        ids: { type: 'string' },
        max: { type: 'string' },
        'page-size': { type: 'string' },
        'sort-by': { type: 'string' },
        'sort-order': { type: 'string' },
        restart: { type: 'boolean' },
        'arxiv-url': { type: 'string' },
        'delay-ms': { type: 'string' },
        'timeout-ms': { type: 'string' },
        retries: { type: 'string' },
      },
      'fetch',
    );
    const idList = values.ids
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const id of idList ?? []) parseArxivId(id);
    if (!values.query && !idList?.length) {
      throw new MiniAstroError(
        'usage',
        'fetch needs --query or --ids.',
        "For example: miniastrolm fetch --query 'cat:astro-ph.GA' --max 500",
      );
    }
    const max = intOption(values.max, 'max', idList?.length && !values.query ? idList.length : 1000, 1);
    if (max > arxivMaxResultsPerQuery) {
      throw new MiniAstroError(
        'usage',
        `--max ${max} is over arXiv's limit of ${arxivMaxResultsPerQuery} results per query.`,
        'Split the query by date (submittedDate:[2025 TO 2026]) or use `miniastrolm harvest` for bulk downloads.',
      );
    }
    const db = openCommandDatabase(values.db);
    const interrupt = interruptSignal();
    try {
      const result = await fetchFromApi(
        {
          searchQuery: values.query,
          idList,
          max,
          pageSize: intOption(values['page-size'], 'page-size', 200, 1),
          sortBy: choiceOption(
            values['sort-by'],
            'sort-by',
            ['submittedDate', 'lastUpdatedDate', 'relevance'] as const,
            'submittedDate',
          ),
          sortOrder: choiceOption(
            values['sort-order'],
            'sort-order',
            ['descending', 'ascending'] as const,
            'descending',
          ),
          restart: values.restart === true,
        },
        {
          db,
          http: createHttpClient(values, out),
          clock: systemClock,
          apiUrl: values['arxiv-url'] ?? process.env['MINIASTROLM_ARXIV_URL'] ?? defaultArxivApiUrl,
          signal: interrupt.signal,
          onEvent: (e) => out.progress(e),
          ...pageRetries(values),
        },
      );
      out.result(
        { ...result },
        `Fetched ${result.fetched} entries (${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged)` +
          `${result.resumedFrom ? `, resumed at ${result.resumedFrom}` : ''}; arXiv reports ${result.totalResults ?? 0} results.`,
      );
      return ExitCode.ok;
    } finally {
      interrupt.dispose();
      db.close();
    }
  },
};
