import { systemClock } from '../../core/clock';
import { ExitCode } from '../../core/errors';
import { loadPromptSet } from '../../pipeline/supervise/prompts';
import { papersForJudge } from '../../pipeline/supervise/selection';
import { superviseWithJudge } from '../../pipeline/supervise/supervise';
import { intOption, parseCommandArgs } from '../args';
import { runBatchApi } from '../batchApi';
import type { Command } from '../command';
import { interruptSignal, openCommandDatabase } from '../context';
import {
  clientFor,
  endpointOptions,
  loadPipelineConfig,
  resolveEndpoint,
  superviseConfig,
} from '../supervisionContext';
import { assertSomeCallWorked, summaryLine, supervisionProgress } from './supervisionOutput';

export const judgeCommand: Command = {
  name: 'judge',
  summary: 'Score validated explanations with the judge LLM and accept or reject them',
  usage: `miniastrolm judge [--batch NAME] [--limit N] [options]

Scores every explanation that passed the validators and awaits a verdict (faithfulness, clarity, jargon,
structure, uncertainty 0–5, overall 0–100). Accepted = the judge clears configs/pipeline.yaml's thresholds
(default faithfulness >= 4, overall >= 60).

  --base-url URL / --model NAME / --api-key KEY   the judge endpoint (default: config, OPENAI_BASE_URL, OpenAI)
  --batch-api / --collect   submit through OpenAI's Batch API / collect finished answers
  --retries N   retries of a failed or unusable call (default: maxRetries in the config)
  --batch NAME / --limit N / --dry-run / --concurrency N / --config FILE / --prompts DIR / --db PATH / --json`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      { ...endpointOptions, 'batch-api': { type: 'boolean' }, collect: { type: 'boolean' } },
      'judge',
    );
    const config = loadPipelineConfig(values.config);
    const prompts = loadPromptSet(values.prompts);
    const db = openCommandDatabase(values.db);
    const interrupt = interruptSignal();
    try {
      const ids = papersForJudge(db, {
        batch: values.batch,
        limit: values.limit ? intOption(values.limit, 'limit', 0, 1) : undefined,
      });
      if (values['dry-run']) {
        out.result(
          { papers: ids.length, dryRun: true, prompt: prompts.judge.hash },
          `Would send ${ids.length} explanations to the judge.`,
        );
        return ExitCode.ok;
      }
      const endpoint = resolveEndpoint(config.judge, {
        baseUrl: values['base-url'],
        model: values.model,
        apiKey: values['api-key'],
        retries: values.retries,
      });
      if (values['batch-api'] || values.collect) {
        await runBatchApi(values.collect ? 'collect' : 'submit-judge', ids, {
          db,
          endpoint,
          prompts,
          config: superviseConfig(config, values.concurrency),
          out,
        });
        return ExitCode.ok;
      }
      const client = clientFor(endpoint);
      const summary = await superviseWithJudge(ids, {
        db,
        teacher: client,
        judge: client,
        prompts,
        config: superviseConfig(config, values.concurrency),
        clock: systemClock,
        signal: interrupt.signal,
        onEvent: supervisionProgress(out),
      });
      assertSomeCallWorked(summary, out, endpoint.baseUrl);
      out.result({ ...summary }, summaryLine(summary));
      return ExitCode.ok;
    } finally {
      interrupt.dispose();
      db.close();
    }
  },
};
