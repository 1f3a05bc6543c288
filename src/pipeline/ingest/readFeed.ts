/**
 * One page of a feed, parsed. The HTTP client already retried transport faults; here a body that arrived whole but
 * does not parse (cut off by a proxy, an HTML error page in place of XML) is fetched again a few times, while an
 * error document from the service itself is final.
 */
import type { Clock } from '../../core/clock';
import { FeedError } from '../arxiv/atom';
import type { HttpResponse, PoliteHttpClient } from '../net/politeHttp';
import type { IngestEventSink } from './events';

export interface ReadFeedDeps {
  http: PoliteHttpClient;
  clock: Clock;
  signal?: AbortSignal;
  onEvent?: IngestEventSink;
  /** Refetches of a body that did not parse. */
  pageRetries?: number;
  /** Wait before the n-th refetch: n × this. */
  retryWaitMs?: number;
}

export async function readFeed<T>(
  url: string,
  deps: ReadFeedDeps,
  parse: (response: HttpResponse) => T,
): Promise<T> {
  const retries = deps.pageRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const response = await deps.http.get(url, deps.signal);
    try {
      return parse(response);
    } catch (error) {
      const transient = error instanceof FeedError && error.retryable;
      if (!transient || attempt >= retries) throw error;
      const waitMs = (deps.retryWaitMs ?? 5000) * (attempt + 1);
      deps.onEvent?.({ type: 'retry', reason: error.message, waitMs, attempt: attempt + 1 });
      await deps.clock.sleep(waitMs, deps.signal);
    }
  }
}
