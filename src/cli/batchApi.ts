/** `--batch-api` and `--collect` for teach/judge: submit to OpenAI's Batch API, or collect what has finished. */
import { systemClock } from '../core/clock';
import type { Db } from '../pipeline/store/database';
import { collectBatches, submitJudgeBatch, submitTeacherBatch } from '../pipeline/supervise/batchRun';
import { createLlmClient } from '../pipeline/supervise/llm/openaiClient';
import type { LlmEndpoint } from '../pipeline/supervise/llm/types';
import type { SuperviseConfig, SupervisePrompts } from '../pipeline/supervise/supervise';
import type { Output } from './output';

export async function runBatchApi(
  mode: 'submit-teacher' | 'submit-judge' | 'collect',
  ids: readonly string[],
  ctx: { db: Db; endpoint: LlmEndpoint; prompts: SupervisePrompts; config: SuperviseConfig; out: Output },
): Promise<void> {
  const deps = {
    db: ctx.db,
    client: createLlmClient(ctx.endpoint),
    prompts: ctx.prompts,
    config: ctx.config,
    clock: systemClock,
  };
  if (mode === 'collect') {
    const r = await collectBatches(deps);
    const pending = r.batches.filter((b) => !b.collected);
    ctx.out.result(
      { ...r },
      `Collected ${r.batches.length - pending.length} batches (${r.answers} answers: ${r.validated} validated, ${r.accepted} accepted, ` +
        `${r.rejected} rejected, ${r.retry} to resubmit, ${r.failed} failed); ${pending.length} still running` +
        `${pending.length ? ` (${pending.map((b) => `${b.batchId} ${b.status}`).join(', ')})` : ''}.`,
    );
    return;
  }
  const r =
    mode === 'submit-teacher' ? await submitTeacherBatch(ids, deps) : await submitJudgeBatch(ids, deps);
  ctx.out.result(
    { ...r },
    `Submitted ${r.requests} requests in ${r.batchIds.length} batches (${r.batchIds.join(', ') || 'none'}); ` +
      `${r.rejected} rejected without a call, ${r.skipped} skipped. Run with --collect later (safe after a restart).`,
  );
}
