/** How teach/judge report progress and their summary, in words and in --json; a run where no call worked fails. */
import { MiniAstroError } from '../../core/errors';
import type { SuperviseEvent, SuperviseSummary } from '../../pipeline/supervise/supervise';
import type { Output } from '../output';

export function supervisionProgress(out: Output): (event: SuperviseEvent) => void {
  let accepted = 0;
  return (event) => {
    if (event.type === 'progress') {
      out.progress({
        type: 'page',
        received: 1,
        stored: 0,
        position: event.done,
        target: event.total,
        accepted,
        costUsd: event.costUsd,
        note: `${accepted} accepted, $${event.costUsd.toFixed(4)} so far`,
      });
    } else if (event.status === 'accepted') {
      accepted++;
    } else if (event.status === 'rejected' || event.status === 'deferred') {
      out.note(`${event.paperId}: ${event.role} ${event.status}${event.reason ? ` — ${event.reason}` : ''}`);
    }
  };
}

export function summaryLine(s: SuperviseSummary): string {
  return (
    `${s.papers} papers: ${s.accepted} accepted, ${s.rejected} rejected, ${s.validated} awaiting the judge, ` +
    `${s.deferred} deferred (endpoint unavailable; rerun to retry), ${s.skipped} skipped. ` +
    `${s.calls} calls (${s.failedCalls} failed), $${s.costUsd.toFixed(4)}.`
  );
}

/**
 * A run in which every call failed did nothing a rerun would not redo: it ends with exit 4 and the last reason,
 * instead of a summary that looks like success.
 */
export function assertSomeCallWorked(summary: SuperviseSummary, out: Output, baseUrl: string): void {
  if (summary.calls === 0 || summary.failedCalls < summary.calls) return;
  out.note(summaryLine(summary));
  throw new MiniAstroError(
    'remote',
    `All ${summary.calls} call${summary.calls === 1 ? '' : 's'} to ${baseUrl} failed; the last: ${summary.lastFailure ?? 'no reason given'}.`,
    'Nothing was marked done: the papers stay pending. Check that the endpoint is up and --base-url / --model ' +
      'are right, then run the same command again (--retries N asks more patiently).',
  );
}
