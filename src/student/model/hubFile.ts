/**
 * One file from the Hugging Face hub into a folder, resumable and checked. GET {endpoint}/{repo}/resolve/
 * {revision}/{file}; redirects are followed by hand so the hub's own headers are read before the CDN answers —
 * `X-Linked-Etag` (or `ETag`) is the sha256 of an LFS file, `X-Linked-Size` its size, `X-Repo-Commit` the
 * commit served — and so the token never goes to another host.
 *
 * A 500 MB download must survive a flaky link: bytes go to `{file}.partial`, a dropped or stalled connection
 * resumes with `Range: bytes=N-` (206 appends; a server that answers 200 starts over), 5xx and network errors
 * are retried with exponential backoff on an injected clock, and the file only appears under its real name
 * once its size and sha256 check out.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../core/clock';
import { describeError, MiniAstroError } from '../../core/errors';

export type HubProgress =
  | { type: 'cached'; file: string; path: string; size: number }
  | { type: 'start'; file: string; url: string; offset: number }
  | { type: 'progress'; file: string; received: number; total: number | null }
  | { type: 'retry'; file: string; attempt: number; reason: string; waitMs: number }
  | { type: 'done'; file: string; path: string; size: number; sha256: string }
  | { type: 'missing'; file: string };

export interface HubFileResult {
  file: string;
  path: string;
  size: number;
  /** sha256 of the bytes on disk (computed when downloaded; from the manifest when cached, if recorded). */
  sha256: string | undefined;
  /** The hub's ETag: the LFS sha256, or the git blob id of a small file. */
  etag: string | undefined;
  /** The commit the hub resolved the revision to. */
  commit: string | undefined;
  cached: boolean;
}

/** Everything one download needs, resolved from HubOptions and the environment. */
export interface HubTransfer {
  repo: string;
  revision: string;
  endpoint: string;
  token: string | undefined;
  fetch: typeof globalThis.fetch;
  clock: Clock;
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  idleTimeoutMs: number;
  userAgent: string;
  onProgress: (event: HubProgress) => void;
  signal: AbortSignal | undefined;
}

export function resolveUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const filePath = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${filePath}`;
}

function checkFileName(file: string): void {
  if (
    file === '' ||
    file.startsWith('/') ||
    file.split(/[\\/]/).some((part) => part === '..' || part === '')
  ) {
    throw new MiniAstroError(
      'badInput',
      `hub file name ${JSON.stringify(file)} is not a path inside the repo`,
      'Name files relative to the repo root, e.g. model.safetensors.',
    );
  }
}

/** A failure worth another attempt (network, 5xx, cut-off body); anything else propagates at once. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

interface HubMeta {
  etag: string | undefined;
  size: number | undefined;
  commit: string | undefined;
}

/** `W/"abc"` or `"abc"` -> `abc`. */
function normalizeEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  return value.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}

const isSha256 = (etag: string | undefined): etag is string =>
  etag !== undefined && /^[0-9a-f]{64}$/.test(etag);

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function fileSha256(file: string): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

type AttemptOutcome = { kind: 'complete'; meta: HubMeta; sha256: string; size: number } | { kind: 'missing' };

/**
 * One GET, redirects followed by hand so the hub's headers (sha256, size, commit) are read off the hub's own
 * response before the CDN's replace them, and so the token is never sent to another host.
 */
async function attempt(
  s: HubTransfer,
  file: string,
  url: string,
  partial: string,
  previousEtag: { value: string | undefined },
): Promise<AttemptOutcome> {
  let offset = sizeOf(partial);
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  let timedOut = false;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no data for ${s.idleTimeoutMs} ms`));
    }, s.idleTimeoutMs);
  };
  const onAbort = () => controller.abort(s.signal?.reason);
  s.signal?.addEventListener('abort', onAbort, { once: true });
  armIdle();
  try {
    const hubOrigin = new URL(s.endpoint).origin;
    const meta: HubMeta = { etag: undefined, size: undefined, commit: undefined };
    let current = url;
    let response: Response | undefined;
    for (let hop = 0; ; hop++) {
      if (hop > 10) throw new Retryable(`more than 10 redirects from ${url}`);
      const headers: Record<string, string> = {
        'user-agent': s.userAgent,
        // Byte counts and ranges must refer to the file itself, not a gzip of it.
        'accept-encoding': 'identity',
      };
      if (offset > 0) headers['range'] = `bytes=${offset}-`;
      const sameOrigin = new URL(current).origin === hubOrigin;
      if (s.token && sameOrigin) headers['authorization'] = `Bearer ${s.token}`;
      response = await s.fetch(current, { headers, redirect: 'manual', signal: controller.signal });
      if (sameOrigin) {
        // The hub states what the file is; the CDN's own ETag (often an MD5) says nothing about the sha256.
        meta.etag =
          normalizeEtag(response.headers.get('x-linked-etag') ?? response.headers.get('etag')) ?? meta.etag;
        const linkedSize = Number(response.headers.get('x-linked-size') ?? Number.NaN);
        if (Number.isSafeInteger(linkedSize)) meta.size = linkedSize;
        meta.commit = response.headers.get('x-repo-commit') ?? meta.commit;
      }
      if (!REDIRECTS.has(response.status)) break;
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (!location) throw new Retryable(`HTTP ${response.status} without a Location header`);
      current = new URL(location, current).toString();
    }
    armIdle();

    const status = response.status;
    if (status === 404) {
      await response.body?.cancel();
      return { kind: 'missing' };
    }
    if (status === 401 || status === 403) {
      await response.body?.cancel();
      throw new MiniAstroError(
        'remote',
        `${s.repo}/${file}: the hub refused access (HTTP ${status})`,
        'The repo may be gated or private: accept its terms on huggingface.co and set HF_TOKEN to an access token.',
      );
    }
    if (RETRYABLE_STATUS.has(status)) {
      await response.body?.cancel();
      throw new Retryable(`HTTP ${status}`, parseRetryAfter(response.headers.get('retry-after')));
    }
    if (status === 416) {
      // Our partial is at least as long as the file: keep it only if it is exactly the file.
      await response.body?.cancel();
      const total = Number(/\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1] ?? Number.NaN);
      if (total === offset && (meta.size === undefined || meta.size === offset)) {
        return { kind: 'complete', meta, sha256: (await fileSha256(partial)).digest('hex'), size: offset };
      }
      rmSync(partial, { force: true });
      throw new Retryable('the partial download is longer than the file; starting over');
    }
    if (status !== 200 && status !== 206) {
      await response.body?.cancel();
      throw new MiniAstroError(
        'remote',
        `${s.repo}/${file}: the hub answered HTTP ${status}`,
        'Check the repo id, revision and file name; try again later if the hub is having trouble.',
      );
    }
    if (
      offset > 0 &&
      meta.etag !== undefined &&
      previousEtag.value !== undefined &&
      meta.etag !== previousEtag.value
    ) {
      // The revision moved since our bytes were fetched: they belong to another file.
      await response.body?.cancel();
      rmSync(partial, { force: true });
      previousEtag.value = meta.etag;
      throw new Retryable('the file changed on the hub since the download started; starting over');
    }
    previousEtag.value = meta.etag;

    let expectedTotal: number | undefined = meta.size;
    if (status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== offset) {
        await response.body?.cancel();
        rmSync(partial, { force: true });
        throw new Retryable(
          `unexpected Content-Range ${JSON.stringify(response.headers.get('content-range'))}`,
        );
      }
      if (range[3] !== '*') expectedTotal ??= Number(range[3]);
    } else {
      // 200: the whole file (a server may ignore Range), so whatever we had is replaced.
      offset = 0;
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isSafeInteger(length) && !response.headers.get('content-encoding')) expectedTotal ??= length;
    }

    const hash = offset > 0 ? await fileSha256(partial) : createHash('sha256');
    const handle = await open(partial, offset > 0 ? 'a' : 'w');
    let received = offset;
    s.onProgress({ type: 'start', file, url, offset });
    try {
      if (response.body) {
        for await (const chunk of response.body) {
          armIdle();
          const bytes = chunk as Uint8Array;
          hash.update(bytes);
          let written = 0;
          while (written < bytes.length) {
            written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
          }
          received += bytes.length;
          s.onProgress({ type: 'progress', file, received, total: expectedTotal ?? null });
        }
      }
      await handle.sync();
    } catch (error) {
      if (s.signal?.aborted) throw s.signal.reason;
      throw new Retryable(
        timedOut ? `no data for ${s.idleTimeoutMs} ms` : `download cut off: ${describeError(error)}`,
      );
    } finally {
      await handle.close();
    }
    if (expectedTotal !== undefined && received < expectedTotal) {
      throw new Retryable(`connection closed after ${received} of ${expectedTotal} bytes`);
    }
    if (expectedTotal !== undefined && received > expectedTotal) {
      rmSync(partial, { force: true });
      throw new Retryable(
        `received ${received} bytes, more than the ${expectedTotal} announced; starting over`,
      );
    }
    return { kind: 'complete', meta, sha256: hash.digest('hex'), size: received };
  } catch (error) {
    if (error instanceof Retryable || error instanceof MiniAstroError) throw error;
    if (s.signal?.aborted) throw s.signal.reason;
    throw new Retryable(
      timedOut ? `no response for ${s.idleTimeoutMs} ms` : `network error: ${describeError(error)}`,
    );
  } finally {
    clearTimeout(idle);
    s.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Downloads one file into `dir` (same relative path) unless it is already there. Returns undefined when the
 * repo has no such file (HTTP 404), so callers decide whether that is an error.
 */
export async function downloadOne(
  s: HubTransfer,
  dir: string,
  file: string,
): Promise<HubFileResult | undefined> {
  checkFileName(file);
  const dest = path.join(dir, file);
  if (existsSync(dest)) {
    const size = statSync(dest).size;
    s.onProgress({ type: 'cached', file, path: dest, size });
    return { file, path: dest, size, sha256: undefined, etag: undefined, commit: undefined, cached: true };
  }
  mkdirSync(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  const url = resolveUrl(s.endpoint, s.repo, s.revision, file);
  // Bytes left by an earlier run may be from an older revision; if the result fails its check, we start over once.
  let staleSuspect = sizeOf(partial) > 0;
  const previousEtag: { value: string | undefined } = { value: undefined };
  let failures = 0;
  let retries = 0;
  for (;;) {
    const before = sizeOf(partial);
    let outcome: AttemptOutcome;
    try {
      outcome = await attempt(s, file, url, partial, previousEtag);
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      // Only attempts that got nowhere count: a long download over a bad link keeps going while it progresses.
      failures = sizeOf(partial) > before ? 0 : failures + 1;
      if (failures > s.maxRetries) {
        throw new MiniAstroError(
          'remote',
          `${s.repo}/${file}: download failed after ${failures} attempts (${error.message})`,
          'Check the network (or HF_ENDPOINT) and run again: the download resumes where it stopped.',
          { cause: error },
        );
      }
      const backoff = Math.min(s.backoffBaseMs * 2 ** Math.max(0, failures - 1), s.backoffMaxMs);
      const waitMs = Math.max(backoff, Math.min(error.retryAfterMs ?? 0, s.backoffMaxMs));
      retries += 1;
      s.onProgress({ type: 'retry', file, attempt: retries, reason: error.message, waitMs });
      await s.clock.sleep(waitMs, s.signal);
      continue;
    }
    if (outcome.kind === 'missing') {
      rmSync(partial, { force: true });
      return undefined;
    }
    const { meta, sha256, size } = outcome;
    const sizeWrong = meta.size !== undefined && meta.size !== size;
    const hashWrong = isSha256(meta.etag) && meta.etag !== sha256;
    if (sizeWrong || hashWrong) {
      rmSync(partial, { force: true });
      if (staleSuspect) {
        staleSuspect = false;
        continue;
      }
      throw new MiniAstroError(
        'remote',
        hashWrong
          ? `${s.repo}/${file}: downloaded file has sha256 ${sha256}, but the hub says ${meta.etag}; deleted it`
          : `${s.repo}/${file}: downloaded ${size} bytes, but the hub says ${meta.size}; deleted it`,
        'The download was corrupted on the way (a proxy or a bad connection); run again to fetch it afresh.',
      );
    }
    renameSync(partial, dest);
    s.onProgress({ type: 'done', file, path: dest, size, sha256 });
    return { file, path: dest, size, sha256, etag: meta.etag, commit: meta.commit, cached: false };
  }
}
