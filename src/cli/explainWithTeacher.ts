/**
 * `miniastrolm explain --with teacher`: one abstract explained by the teacher through the supervision loop (the
 * same endpoint settings, prompts, validators and judge as `teach`), stored in the database as supervision for
 * the paper, and printed like the student's explanation (text, marks, numbers and names not in the abstract).
 */
import { systemClock } from '../core/clock';
import { ExitCode } from '../core/errors';
import { explainPaperWithTeacher, paperFromDocument } from '../pipeline/supervise/explainPaper';
import { loadPromptSet } from '../pipeline/supervise/prompts';
import { faithfulnessMarks } from '../student/infer/faithfulness';
import { interruptSignal, openCommandDatabase } from './context';
import type { Output } from './output';
import { clientFor, loadPipelineConfig, resolveEndpoint, superviseConfig } from './supervisionContext';

export const teacherOptions = {
  'base-url': { type: 'string' },
  'api-key': { type: 'string' },
  judge: { type: 'boolean' },
  'judge-base-url': { type: 'string' },
  'judge-model': { type: 'string' },
  'judge-api-key': { type: 'string' },
  regenerate: { type: 'boolean' },
  id: { type: 'string' },
  title: { type: 'string' },
  retries: { type: 'string' },
} as const;

export const teacherUsage = `
With --with teacher, the teacher explains instead (any OpenAI-compatible endpoint), through the validators and,
with --judge, the judge; the explanation is stored as supervision for the paper (an arXiv id given with --id, else
a local id made from the text), and a paper that already has one is answered from the database:
  --base-url URL         teacher endpoint (default: configs/pipeline.yaml, then OPENAI_BASE_URL, then OpenAI)
  --model NAME           teacher model (default from configs/pipeline.yaml); --api-key KEY (default OPENAI_API_KEY)
  --judge                also ask the judge (--judge-base-url, --judge-model, --judge-api-key: default the teacher's)
  --id ID / --title T    the paper (default: local:<hash of the abstract>)
  --regenerate           ask the teacher again even when an explanation is stored
  --db PATH              the database the supervision goes into (default .miniastrolm/astro.db)`;

interface TeacherValues {
  model?: string | undefined;
  'base-url'?: string | undefined;
  'api-key'?: string | undefined;
  judge?: boolean | undefined;
  'judge-base-url'?: string | undefined;
  'judge-model'?: string | undefined;
  'judge-api-key'?: string | undefined;
  regenerate?: boolean | undefined;
  id?: string | undefined;
  title?: string | undefined;
  retries?: string | undefined;
  db?: string | undefined;
}

export async function explainWithTeacher(
  values: TeacherValues,
  abstract: string,
  out: Output,
): Promise<number> {
  const config = loadPipelineConfig();
  const teacherEndpoint = resolveEndpoint(config.teacher, {
    baseUrl: values['base-url'],
    model: values.model,
    apiKey: values['api-key'],
    retries: values.retries,
  });
  const judgeEndpoint = values.judge
    ? resolveEndpoint(config.judge, {
        baseUrl: values['judge-base-url'] ?? values['base-url'],
        model: values['judge-model'],
        apiKey: values['judge-api-key'] ?? values['api-key'],
        retries: values.retries,
      })
    : null;
  const db = openCommandDatabase(values.db);
  const interrupt = interruptSignal();
  try {
    const paper = paperFromDocument({
      id: values.id ?? null,
      title: values.title ?? null,
      authors: [],
      abstract,
    });
    const answer = await explainPaperWithTeacher(
      paper,
      {
        db,
        teacher: clientFor(teacherEndpoint),
        judge: judgeEndpoint ? clientFor(judgeEndpoint) : null,
        prompts: loadPromptSet(),
        config: superviseConfig(config, '1'),
        clock: systemClock,
        signal: interrupt.signal,
      },
      { regenerate: values.regenerate === true },
    );
    const report = answer.explanation ? faithfulnessMarks(abstract, answer.explanation) : null;
    if (!out.json) {
      out.note(
        `${answer.paperId}: ${answer.status}${answer.fromStore ? ' (from the database, no call)' : ''}` +
          `${answer.reason ? ` — ${answer.reason}` : ''}; $${answer.costUsd.toFixed(4)}`,
      );
      for (const error of answer.errors) out.note(`  ${error}`);
    }
    out.result(
      {
        explanation: answer.explanation,
        source: 'teacher',
        status: answer.status,
        reason: answer.reason,
        errors: answer.errors,
        paperId: answer.paperId,
        fromStore: answer.fromStore,
        costUsd: answer.costUsd,
        marks: report?.marks ?? [],
        newNumbers: report?.newNumbers ?? [],
        newEntities: report?.newEntities ?? [],
        judge: answer.judge,
        model: {
          kind: 'teacher',
          name: answer.model ?? teacherEndpoint.model,
          baseUrl: teacherEndpoint.baseUrl,
        },
      },
      answer.explanation ?? `(no explanation: ${answer.reason ?? answer.errors.join('; ')})`,
    );
    return ExitCode.ok;
  } finally {
    interrupt.dispose();
    db.close();
  }
}
