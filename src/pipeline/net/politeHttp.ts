/**
 * HTTP GET the way arXiv asks to be called: one request at a time, a minimum gap between request starts (never
 * under 3 s for arXiv's own hosts), a descriptive User-Agent, and retries with exponential backoff on 429, 5xx,
 * network errors, timeouts and cut-off bodies, honouring Retry-After. Time comes from an injected clock. A body
 * is decoded by the charset its Content-Type (or XML declaration) names, else as UTF-8, and one that is not what
 * it claims to be is refused rather than read with replacement characters; a redirect loop stops at once.
 */
import { type Clock, systemClock } from '../../core/clock';
import { describeError, MiniAstroError } from '../../core/errors';
import { contentTypeCharset, declaredXmlEncoding, decodeText } from '../../core/textDecoding';

/** arXiv's terms: no more than one request every three seconds, on a single connection. */
export const arxivMinimumDelayMs = 3000;
const arxivHosts = /(^|\.)arxiv\.org$/i;

export function isArxivHost(url: string): boolean {
  return arxivHosts.test(new URL(url).hostname);
}

export interface HttpResponse {
  status: number;
  body: string;
  headers: Headers;
  url: string;
}

export type HttpEvent =
  | { type: 'request'; url: string; attempt: number }
  | { type: 'retry'; url: string; attempt: number; reason: string; waitMs: number }
  | { type: 'wait'; waitMs: number };

export interface PoliteHttpOptions {
  userAgent: string;
  /** Minimum gap between request starts; raised to 3 s for arXiv hosts whatever is configured. */
  delayMs: number;
  fetch?: typeof globalThis.fetch;
  clock?: Clock;
  /** Attempts after the first. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this is not waited out: the run stops and can be resumed later. */
  maxRetryAfterMs?: number;
  /** Per attempt, from sending the request to the end of the body. */
  timeoutMs?: number;
  onEvent?: (event: HttpEvent) => void;
  /** Decides whether a 2xx/4xx body is usable; return a reason string to retry it (e.g. a truncated feed). */
  retryableBody?: (response: HttpResponse) => string | null;
}

const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);

export class PoliteHttpClient {
  private readonly fetchImpl: typeof globalThis.fetch;
  private readonly clock: Clock;
  private lastStart = Number.NEGATIVE_INFINITY;
  /** Serialises requests: arXiv allows a single connection at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PoliteHttpOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
  }

  /** The gap this client keeps before a request to `url`. */
  delayFor(url: string): number {
    const configured = Math.max(0, this.options.delayMs);
    return isArxivHost(url) ? Math.max(configured, arxivMinimumDelayMs) : configured;
  }

  /**
   * Resolves with the final response: 2xx, or a 4xx that is not worth retrying (the caller reads arXiv's error
   * feed from it). Throws MiniAstroError('remote') once retries are spent.
   */
  get(url: string, signal?: AbortSignal): Promise<HttpResponse> {
    const result = this.queue.then(() => this.getWithRetries(url, signal));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async getWithRetries(url: string, signal?: AbortSignal): Promise<HttpResponse> {
    const maxRetries = this.options.maxRetries ?? 5;
    let lastReason = '';
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      await this.waitTurn(url, signal);
      this.options.onEvent?.({ type: 'request', url, attempt });
      let response: HttpResponse | undefined;
      let retryAfterMs: number | null = null;
      try {
        response = await this.attempt(url, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof MiniAstroError) throw error; // a body that is not the text it claims to be
        if (isRedirectLoop(error)) {
          throw new MiniAstroError(
            'remote',
            `${redact(url)} redirects in a loop (${describeError(error)}).`,
            'Check the configured URL (--arxiv-url / --oai-url); repeating the request would loop the same way.',
            { cause: error },
          );
        }
        lastReason = `network error: ${describeError(error)}`;
      }
      if (response) {
        if (retryableStatuses.has(response.status)) {
          lastReason = `HTTP ${response.status}`;
          retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.clock.now());
        } else {
          const bodyProblem = this.options.retryableBody?.(response) ?? null;
          if (bodyProblem === null) return response;
          lastReason = bodyProblem;
        }
      }
      if (attempt === maxRetries) break;
      const maxRetryAfter = this.options.maxRetryAfterMs ?? 10 * 60_000;
      if (retryAfterMs !== null && retryAfterMs > maxRetryAfter) {
        throw new MiniAstroError(
          'remote',
          `${new URL(url).host} asked us to wait ${Math.round(retryAfterMs / 1000)} s before retrying (${lastReason}).`,
          'Progress so far is saved; run the same command later and it resumes where it stopped.',
        );
      }
      const backoff = Math.min(
        (this.options.backoffBaseMs ?? 2000) * 2 ** attempt,
        this.options.backoffMaxMs ?? 120_000,
      );
      const waitMs = Math.max(backoff, retryAfterMs ?? 0);
      this.options.onEvent?.({ type: 'retry', url, attempt: attempt + 1, reason: lastReason, waitMs });
      await this.clock.sleep(waitMs, signal);
    }
    throw new MiniAstroError(
      'remote',
      `Giving up on ${redact(url)} after ${maxRetries + 1} attempts: ${lastReason}.`,
      'The service may be down or limiting us. Progress so far is saved; run the same command again later to resume.',
    );
  }

  private async waitTurn(url: string, signal?: AbortSignal): Promise<void> {
    const waitMs = this.lastStart + this.delayFor(url) - this.clock.now();
    if (waitMs > 0) {
      this.options.onEvent?.({ type: 'wait', waitMs });
      await this.clock.sleep(waitMs, signal);
    }
    this.lastStart = this.clock.now();
  }

  private async attempt(url: string, outer?: AbortSignal): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 120_000);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    const res = await this.fetchImpl(url, {
      headers: {
        'user-agent': this.options.userAgent,
        accept: 'application/atom+xml, application/xml, text/xml',
      },
      signal,
      redirect: 'follow',
    });
    // Reading the whole body inside the timeout: a cut-off or stalled body is a failed attempt, not a short page.
    const bytes = new Uint8Array(await res.arrayBuffer());
    const finalUrl = res.url || url;
    return {
      status: res.status,
      body: decodeBody(bytes, res, finalUrl),
      headers: res.headers,
      url: finalUrl,
    };
  }
}

/**
 * A 2xx body must be text in the charset it declares (Content-Type, else its XML declaration, else UTF-8); an
 * error page is only quoted in messages, so it is read leniently.
 */
function decodeBody(bytes: Uint8Array, res: Response, url: string): string {
  const header = contentTypeCharset(res.headers.get('content-type'));
  const declared = header ?? declaredXmlEncoding(bytes);
  if (!res.ok) {
    try {
      return new TextDecoder(declared ?? 'utf-8').decode(bytes);
    } catch {
      return new TextDecoder('utf-8').decode(bytes);
    }
  }
  return decodeText(bytes, `The response from ${redact(url)}`, {
    declared,
    declaredBy: header ? 'its Content-Type header' : 'its XML declaration',
    kind: 'remote',
  });
}

function isRedirectLoop(error: unknown): boolean {
  return /redirect count exceeded|too many redirects/i.test(describeError(error));
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** Resumption tokens and queries can be long; keep messages readable. */
function redact(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}
