/**
 * A real HTTP server on 127.0.0.1 that answers as the Hugging Face hub does for
 * `/{repo}/resolve/{revision}/{file}`: small files straight from the hub with their git blob id as ETag, LFS
 * files as a 302 to a CDN on another origin (a second server) with the sha256 in `X-Linked-Etag` and the size in
 * `X-Linked-Size`, `X-Repo-Commit` on every hub answer, Range requests (206/416), 404 with X-Error-Code, and
 * scripted faults: a status (503 once), a connection dropped mid-body, a body that stalls, a corrupted byte, a
 * server that ignores Range. Tests write the files it serves.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type HubFault =
  /** Answer with this status instead (at the hub, before any redirect). */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Send the headers and `afterBytes` bytes of the body, then cut the connection. */
  | { kind: 'drop'; afterBytes: number }
  /** Send the headers and `afterBytes` bytes, then nothing more (the client's idle timeout must fire). */
  | { kind: 'stall'; afterBytes: number }
  /** Serve the body with one byte flipped: the sha256 will not match. */
  | { kind: 'corrupt' }
  /** Answer 200 with the whole file even when asked for a range. */
  | { kind: 'ignoreRange' };

export interface HubFaultRule {
  /** File name inside the repo (e.g. model.safetensors). */
  file: string;
  fault: HubFault;
  /** How many requests it applies to; default 1. */
  times?: number;
}

export interface HubRequest {
  stage: 'resolve' | 'cdn' | 'other';
  method: string;
  path: string;
  file: string | undefined;
  range: string | undefined;
  authorization: string | undefined;
  status: number;
}

interface StoredFile {
  name: string;
  body: Buffer;
  lfs: boolean;
  sha256: string;
  gitOid: string;
}

export interface HubServer {
  /** Base URL to use as HF_ENDPOINT. */
  readonly endpoint: string;
  /** Origin of the CDN server LFS files redirect to. */
  readonly cdnOrigin: string;
  readonly requests: HubRequest[];
  faults: HubFaultRule[];
  /** When set, the hub answers 401 unless `Authorization: Bearer <token>` is sent. */
  requireToken: string | undefined;
  readonly commit: string;
  /** Serves `body` as `file` of `repo` at `revision` (default main); `lfs` files go through the CDN. */
  addFile(
    repo: string,
    file: string,
    body: Uint8Array | string,
    options?: { lfs?: boolean; revision?: string },
  ): void;
  removeFile(repo: string, file: string, revision?: string): void;
  /** sha256 (hex) of a served file. */
  sha256Of(repo: string, file: string, revision?: string): string;
  close(): Promise<void>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Git's blob id, which the hub sends as the ETag of non-LFS files. */
const gitOid = (bytes: Buffer) =>
  createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest('hex');

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

export async function startHubServer(): Promise<HubServer> {
  const files = new Map<string, StoredFile>();
  const bySha = new Map<string, StoredFile>();
  const requests: HubRequest[] = [];
  const sockets = new Set<Socket>();
  const commit = createHash('sha1').update('miniastrolm-test-commit').digest('hex');
  const state = { faults: [] as HubFaultRule[], requireToken: undefined as string | undefined };

  function takeFault(file: string, stage: 'resolve' | 'body'): HubFault | undefined {
    const index = state.faults.findIndex(
      (rule) => rule.file === file && (rule.fault.kind === 'status') === (stage === 'resolve'),
    );
    if (index < 0) return undefined;
    const rule = state.faults[index]!;
    const times = (rule.times ?? 1) - 1;
    if (times <= 0) state.faults.splice(index, 1);
    else rule.times = times;
    return rule.fault;
  }

  const track = (server: Server) =>
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });

  /** Sends `stored` honouring Range and the file's body faults. */
  function sendBody(
    req: IncomingMessage,
    res: ServerResponse,
    stored: StoredFile,
    extra: Record<string, string>,
    log: HubRequest,
  ) {
    const fault = takeFault(stored.name, 'body');
    let body = stored.body;
    if (fault?.kind === 'corrupt' && body.length > 0) {
      body = Buffer.from(body);
      body[body.length >> 1] = body[body.length >> 1]! ^ 0xff;
    }
    const size = body.length;
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && fault?.kind !== 'ignoreRange') {
      start = Number(range[1]);
      if (start >= size) {
        log.status = 416;
        res.writeHead(416, { ...extra, 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
    }
    const end = range?.[2] && status === 206 ? Math.min(Number(range[2]) + 1, size) : size;
    const slice = body.subarray(start, end);
    const headers: Record<string, string | number> = {
      ...extra,
      'content-type': 'application/octet-stream',
      'content-length': slice.length,
      'accept-ranges': 'bytes',
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end - 1}/${size}`;
    log.status = status;
    res.writeHead(status, headers);
    if (fault?.kind === 'drop') {
      // end(), not destroy(): a FIN arrives after the bytes already sent (a reset could discard data the client
      // had not read yet). And not at once: fetch's body stream drops chunks it has queued but not handed out
      // when the stream errors, so a client on a loaded machine could see the cut before any byte, and restart
      // instead of resuming. A quarter second is ample for it to read the first part.
      res.write(slice.subarray(0, Math.min(fault.afterBytes, slice.length)), () => {
        setTimeout(() => res.socket?.end(), 250);
      });
      return;
    }
    if (fault?.kind === 'stall') {
      res.write(slice.subarray(0, Math.min(fault.afterBytes, slice.length)));
      return;
    }
    res.end(req.method === 'HEAD' ? undefined : slice);
  }

  const hub = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const log: HubRequest = {
      stage: 'other',
      method: req.method ?? 'GET',
      path: url.pathname,
      file: undefined,
      range: req.headers.range,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(log);
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match) {
      log.status = 404;
      res.writeHead(404, { 'x-error-code': 'RepoNotFound' });
      res.end('Repository not found');
      return;
    }
    const [, repo, revision, rawFile] = match as unknown as [string, string, string, string];
    const file = decodeURIComponent(rawFile);
    log.stage = 'resolve';
    log.file = file;
    const common = { 'x-repo-commit': commit };
    if (state.requireToken && req.headers.authorization !== `Bearer ${state.requireToken}`) {
      log.status = 401;
      res.writeHead(401, { ...common, 'x-error-code': 'GatedRepo' });
      res.end('Access to this repo is restricted.');
      return;
    }
    const fault = takeFault(file, 'resolve');
    if (fault?.kind === 'status') {
      log.status = fault.status;
      res.writeHead(fault.status, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
      res.end(`<html><body>${fault.status}</body></html>`);
      return;
    }
    const stored = files.get(`${repo}@${decodeURIComponent(revision)}/${file}`);
    if (!stored) {
      log.status = 404;
      res.writeHead(404, { ...common, 'x-error-code': 'EntryNotFound' });
      res.end('Entry not found');
      return;
    }
    if (stored.lfs) {
      log.status = 302;
      res.writeHead(302, {
        ...common,
        location: `${cdnOrigin}/repos/${stored.sha256}?name=${encodeURIComponent(file)}`,
        'x-linked-etag': `"${stored.sha256}"`,
        'x-linked-size': String(stored.body.length),
        etag: `"${stored.sha256}"`,
      });
      res.end('Found. Redirecting');
      return;
    }
    sendBody(req, res, stored, { ...common, etag: `"${stored.gitOid}"` }, log);
  });

  const cdn = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const stored = bySha.get(url.pathname.replace(/^\/repos\//, ''));
    const log: HubRequest = {
      stage: 'cdn',
      method: req.method ?? 'GET',
      path: url.pathname,
      file: stored?.name,
      range: req.headers.range,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(log);
    if (!stored) {
      log.status = 404;
      res.writeHead(404);
      res.end('NoSuchKey');
      return;
    }
    // A CDN's own ETag is an MD5 of its object, not the sha256: clients must not mistake it for the hash.
    sendBody(req, res, stored, { etag: `"${createHash('md5').update(stored.body).digest('hex')}"` }, log);
  });

  track(hub);
  track(cdn);
  const endpoint = await listen(hub);
  const cdnOrigin = await listen(cdn);

  return {
    endpoint,
    cdnOrigin,
    requests,
    commit,
    get faults() {
      return state.faults;
    },
    set faults(value: HubFaultRule[]) {
      state.faults = value;
    },
    get requireToken() {
      return state.requireToken;
    },
    set requireToken(value: string | undefined) {
      state.requireToken = value;
    },
    addFile(repo, file, body, options = {}) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
      const stored: StoredFile = {
        name: file,
        body: bytes,
        lfs: options.lfs ?? false,
        sha256: sha256(bytes),
        gitOid: gitOid(bytes),
      };
      files.set(`${repo}@${options.revision ?? 'main'}/${file}`, stored);
      bySha.set(stored.sha256, stored);
    },
    removeFile(repo, file, revision = 'main') {
      files.delete(`${repo}@${revision}/${file}`);
    },
    sha256Of(repo, file, revision = 'main') {
      const stored = files.get(`${repo}@${revision}/${file}`);
      if (!stored) throw new Error(`no ${file} in ${repo}@${revision}`);
      return stored.sha256;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [hub, cdn].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}
