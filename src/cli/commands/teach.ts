import { systemClock } from '../../core/clock';
import { ExitCode } from '../../core/errors';
import { PaperStore } from '../../pipeline/store/papers';
import { loadPromptSet, renderPrompt } from '../../pipeline/supervise/prompts';
import { papersForTeacher } from '../../pipeline/supervise/selection';
import { superviseWithTeacher } from '../../pipeline/supervise/supervise';
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

export const teachCommand: Command = {
  name: 'teach',
  summary: 'Ask the teacher LLM for explanations, validate, regenerate, and (by default) judge them',
  usage: `miniastrolm teach [--batch NAME] [--limit N] [options]

For each paper without a supervision state (or each paper of --batch): the teacher writes an explanation as JSON;
the validators check it; a failed answer is asked again with its errors (configs/pipeline.yaml: maxAttempts);
then the judge scores it (unless --no-judge). Every call is stored. Interrupted runs resume: run the same command.

  --batch NAME        papers of this batch (see \`miniastrolm batch\`)
  --limit N           at most N papers
  --dry-run           show the first prompt and how many papers would be sent; make no call
  --base-url URL      teacher endpoint (default: config, then OPENAI_BASE_URL, then https://api.openai.com/v1)
  --model NAME        teacher model (default from configs/pipeline.yaml)
  --api-key KEY       default OPENAI_API_KEY
  --judge-base-url URL / --judge-model NAME / --judge-api-key KEY   the judge's own endpoint (default: teacher's)
  --no-judge          stop after the validators (run \`miniastrolm judge\` later)
  --batch-api         submit through OpenAI's Batch API (half price, within 24 h) instead of live calls; papers
                      that need another attempt are resubmitted by the next --batch-api run
  --collect           collect finished Batch API answers (teacher and judge), then validate/judge them as usual
  --force             redo papers that already have a state (human decisions are never overwritten)
  --concurrency N     papers in flight (default from config)
  --retries N         retries of a failed or unusable call (default: maxRetries in the config)
  --config FILE       pipeline config (default configs/pipeline.yaml)
  --prompts DIR       prompt files (default prompts/)
  --db PATH / --json`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        ...endpointOptions,
        'judge-base-url': { type: 'string' },
        'judge-model': { type: 'string' },
        'judge-api-key': { type: 'string' },
        'no-judge': { type: 'boolean' },
        force: { type: 'boolean' },
        'batch-api': { type: 'boolean' },
        collect: { type: 'boolean' },
      },
      'teach',
    );
    const config = loadPipelineConfig(values.config);
    const prompts = loadPromptSet(values.prompts);
    const db = openCommandDatabase(values.db);
    const interrupt = interruptSignal();
    try {
      const ids = papersForTeacher(db, {
        batch: values.batch,
        limit: values.limit ? intOption(values.limit, 'limit', 0, 1) : undefined,
        // A run killed between teacher and judge left validated papers: judge them now, unless told not to.
        includeValidated: !values['no-judge'] && !values['batch-api'] && !values.collect,
      });
      if (values['dry-run']) {
        const first = ids[0] ? new PaperStore(db).get(ids[0]) : undefined;
        if (first) {
          const messages = renderPrompt(prompts.teacher, {
            id: first.id,
            title: first.title,
            abstract: first.abstract,
            min_words: config.validators.minWords,
            max_words: config.validators.maxWords,
            paragraphs: config.validators.paragraphs.max,
          });
          out.info(messages.map((m) => `--- ${m.role} ---\n${m.content}`).join('\n'));
        }
        out.result(
          { papers: ids.length, dryRun: true, prompt: prompts.teacher.hash },
          `Would send ${ids.length} paper${ids.length === 1 ? '' : 's'} to the teacher (prompt ${prompts.teacher.hash}).`,
        );
        return ExitCode.ok;
      }
      const teacherEndpoint = resolveEndpoint(config.teacher, {
        baseUrl: values['base-url'],
        model: values.model,
        apiKey: values['api-key'],
        retries: values.retries,
      });
      if (values['batch-api'] || values.collect) {
        await runBatchApi(values.collect ? 'collect' : 'submit-teacher', ids, {
          db,
          endpoint: teacherEndpoint,
          prompts,
          config: superviseConfig(config, values.concurrency),
          out,
        });
        return ExitCode.ok;
      }
      const judgeEndpoint = values['no-judge']
        ? null
        : resolveEndpoint(config.judge, {
            baseUrl: values['judge-base-url'] ?? values['base-url'],
            model: values['judge-model'],
            apiKey: values['judge-api-key'] ?? values['api-key'],
            retries: values.retries,
          });
      const summary = await superviseWithTeacher(
        ids,
        {
          db,
          teacher: clientFor(teacherEndpoint),
          judge: judgeEndpoint ? clientFor(judgeEndpoint) : null,
          prompts,
          config: superviseConfig(config, values.concurrency),
          clock: systemClock,
          signal: interrupt.signal,
          onEvent: supervisionProgress(out),
        },
        { force: values.force === true },
      );
      assertSomeCallWorked(summary, out, teacherEndpoint.baseUrl);
      out.result({ ...summary }, summaryLine(summary));
      return ExitCode.ok;
    } finally {
      interrupt.dispose();
      db.close();
    }
  },
};
