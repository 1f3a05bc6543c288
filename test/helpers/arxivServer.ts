/**
 * A real HTTP server on 127.0.0.1 that answers as arXiv's API and OAI-PMH endpoints do: paged Atom search results
 * and ListRecords pages with resumption tokens over a corpus of papers, recorded real responses, and scripted
 * faults (429 + Retry-After, 503, a cut-off body, a slow body, an empty middle page, arbitrary bodies).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Paper } from '../../src/pipeline/arxiv/types';
import { atomFeed, oaiListRecords } from './feeds';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string; contentType?: string }
  | { kind: 'truncated' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'empty-page' }
  | { kind: 'body'; status: number; body: string; contentType?: string }
  | { kind: 'hang' };

export interface LoggedRequest {
  path: string;
  params: URLSearchParams;
  userAgent: string | undefined;
  at: number;
}

export interface ArxivServer {
  readonly apiUrl: string;
  readonly oaiUrl: string;
  readonly requests: LoggedRequest[];
  /** Papers served by search queries (all queries return the whole corpus, in order). */
  corpus: Paper[];
  /** OAI page size. */
  oaiPageSize: number;
  /** Faults to answer the next requests with, in order; `undefined` entries answer normally. */
  faults: (Fault | undefined)[];
  /** Fixed responses for exact query strings (`id_list=...` etc.), checked before the corpus. */
  fixed: Map<string, { status: number; body: string }>;
  /** Called before each answer (e.g. to stall a specific page). */
  beforeAnswer?: (request: LoggedRequest, index: number) => Promise<void> | void;
  close(): Promise<void>;
}

export async function startArxivServer(corpus: Paper[] = []): Promise<ArxivServer> {
  const requests: LoggedRequest[] = [];
  const openSockets = new Set<import('node:net').Socket>();
  const state = {
    corpus,
    oaiPageSize: 100,
    faults: [] as (Fault | undefined)[],
    fixed: new Map<string, { status: number; body: string }>(),
    beforeAnswer: undefined as ArxivServer['beforeAnswer'],
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const logged: LoggedRequest = {
      path: url.pathname,
      params: url.searchParams,
      userAgent: req.headers['user-agent'],
      at: Date.now(),
    };
    const index = requests.push(logged) - 1;
    await state.beforeAnswer?.(logged, index);
    const fault = state.faults.shift();
    const fixed = state.fixed.get(url.search.replace(/^\?/, ''));
    const normal = fixed ?? answer(url);

    if (!fault) return send(res, normal.status, normal.body);
    switch (fault.kind) {
      case 'status':
        if (fault.retryAfter) res.setHeader('retry-after', fault.retryAfter);
        return send(
          res,
          fault.status,
          fault.body ?? `<html><body><h1>${fault.status}</h1></body></html>`,
          fault.contentType ?? 'text/html',
        );
      case 'body':
        return send(res, fault.status, fault.body, fault.contentType ?? 'application/atom+xml');
      case 'truncated': {
        // Promise the whole body, send half, then drop the connection: the client sees a cut-off stream.
        const bytes = Buffer.from(normal.body);
        res.writeHead(normal.status, {
          'content-type': 'application/atom+xml',
          'content-length': bytes.length,
        });
        res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      case 'slow': {
        const bytes = Buffer.from(normal.body);
        res.writeHead(normal.status, {
          'content-type': 'application/atom+xml',
          'content-length': bytes.length,
        });
        res.write(bytes.subarray(0, 100));
        await new Promise((r) => setTimeout(r, fault.delayMs));
        if (!res.destroyed) res.end(bytes.subarray(100));
        return;
      }
      case 'hang':
        res.writeHead(200, { 'content-type': 'application/atom+xml' });
        res.write('<?xml version="1.0"?>');
        return; // never ends; the client's timeout must fire
      case 'empty-page': {
        const start = Number(url.searchParams.get('start') ?? 0);
        const max = Number(url.searchParams.get('max_results') ?? 10);
        return send(res, 200, atomFeed([], { total: state.corpus.length, start, itemsPerPage: max }));
      }
    }
  }

  function answer(url: URL): { status: number; body: string } {
    if (url.pathname.endsWith('/oai')) return answerOai(url.searchParams);
    const start = Number(url.searchParams.get('start') ?? 0);
    const max = Number(url.searchParams.get('max_results') ?? 10);
    const idList = url.searchParams.get('id_list');
    const pool = idList
      ? idList.split(',').flatMap((id) => state.corpus.filter((p) => p.id === id.replace(/v\d+$/, '')))
      : state.corpus;
    return {
      status: 200,
      body: atomFeed(pool.slice(start, start + max), { total: pool.length, start, itemsPerPage: max }),
    };
  }

  function answerOai(params: URLSearchParams): { status: number; body: string } {
    const token = params.get('resumptionToken');
    const cursor = token ? Number(token.split('|')[1]) : 0;
    if (token && (params.has('set') || params.has('from') || params.has('metadataPrefix'))) {
      return { status: 200, body: oaiError('badArgument', 'resumptionToken is an exclusive argument') };
    }
    if (token && !/^synthetic\|\d+$/.test(token))
      return {
        status: 200,
        body: oaiError(
          'badResumptionToken',
          'The value of the resumptionToken argument is invalid or expired.',
        ),
      };
    const slice = state.corpus.slice(cursor, cursor + state.oaiPageSize);
    if (state.corpus.length === 0)
      return { status: 200, body: oaiError('noRecordsMatch', 'No records match') };
    const next = cursor + slice.length;
    return {
      status: 200,
      body: oaiListRecords(slice, {
        token: next < state.corpus.length ? `synthetic|${next}` : null,
        cursor,
        completeListSize: state.corpus.length,
      }),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    apiUrl: `${base}/api/query`,
    oaiUrl: `${base}/oai`,
    requests,
    get corpus() {
      return state.corpus;
    },
    set corpus(value: Paper[]) {
      state.corpus = value;
    },
    get oaiPageSize() {
      return state.oaiPageSize;
    },
    set oaiPageSize(value: number) {
      state.oaiPageSize = value;
    },
    get faults() {
      return state.faults;
    },
    set faults(value: (Fault | undefined)[]) {
      state.faults = value;
    },
    fixed: state.fixed,
    get beforeAnswer() {
      return state.beforeAnswer;
    },
    set beforeAnswer(fn) {
      state.beforeAnswer = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of openSockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: string, contentType = 'application/atom+xml'): void {
  res.writeHead(status, { 'content-type': `${contentType}; charset=utf-8` });
  res.end(body);
}

export function oaiError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-01-01T00:00:00Z</responseDate>
<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>
<error code="${code}">${message}</error>
</OAI-PMH>
`;
}
