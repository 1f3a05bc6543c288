/** How teach/judge report progress and their summary, in words and in --json. */
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
    `${s.calls} calls, $${s.costUsd.toFixed(4)}.`
  );
}
