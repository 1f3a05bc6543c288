/**
 * A real HTTP server on 127.0.0.1 that speaks the slice of the OpenAI API the `openai` package uses for us:
 * chat completions (with response_format), file upload/download, and batches. Each test scripts the answers
 * with a handler; replies can be content, OpenAI-shaped errors with retry-after, latency, a hang or a dropped
 * connection. Switches make it refuse json_schema / json_object the way older llama.cpp and vLLM builds do.
 * Batches run the same handler once per input line and write output/error files in a scriptable order; all
 * state lives in the server, so a test can throw its client away and collect with a new one ("restart").
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenMessage {
  role: string;
  content: string;
}

export type SeenFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean }
  | { type: 'other'; raw: unknown };

export interface ChatCall {
  body: Record<string, unknown>;
  messages: SeenMessage[];
  /** Undefined when the request had no response_format. */
  responseFormat: SeenFormat | undefined;
  model: string;
  headers: IncomingHttpHeaders;
  /** 'batch' when the call comes from a batch input line. */
  via: 'http' | 'batch';
  customId: string | null;
  /** 0-based count of chat calls so far (HTTP and batch together). */
  index: number;
}

export type Reply =
  | string
  | {
      kind: 'answer';
      content: string;
      finishReason?: string;
      usage?: { prompt_tokens: number; completion_tokens: number };
      model?: string;
      delayMs?: number;
    }
  | {
      kind: 'error';
      status: number;
      message?: string;
      type?: string;
      code?: string | number | null;
      retryAfter?: string;
      headers?: Record<string, string>;
      /** Sent as is instead of OpenAI's `{error: {...}}` (other servers' shapes). */
      rawBody?: string;
      delayMs?: number;
    }
  | { kind: 'hang' }
  | { kind: 'drop' };

export type ChatHandler = (call: ChatCall) => Reply | Promise<Reply>;

export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body for JSON requests; the raw text otherwise (multipart uploads: null). */
  body: unknown;
  at: number;
}

export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  content: string;
  createdAt: number;
}

export type BatchOrder = 'submitted' | 'reversed' | ((customIds: string[]) => string[]);

export interface StoredBatch {
  id: string;
  status:
    | 'validating'
    | 'failed'
    | 'in_progress'
    | 'finalizing'
    | 'completed'
    | 'expired'
    | 'cancelling'
    | 'cancelled';
  inputFileId: string;
  endpoint: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  createdAt: number;
  inProgressAt?: number;
  completedAt?: number;
  failedAt?: number;
  cancellingAt?: number;
  cancelledAt?: number;
  outputFileId?: string;
  errorFileId?: string;
  errors: { code: string; message: string; line: number | null }[];
  counts: { total: number; completed: number; failed: number };
  /** Output lines produced so far, keyed by custom_id, split by success. */
  done: Map<string, { ok: boolean; line: string }>;
  lines: { customId: string; body: Record<string, unknown> }[];
  processing: Promise<void> | null;
}

export interface OpenAiServer {
  /** Base URL including /v1, as the `openai` package's baseURL. */
  readonly baseUrl: string;
  readonly requests: LoggedRequest[];
  readonly chatCalls: ChatCall[];
  readonly files: Map<string, StoredFile>;
  readonly batches: Map<string, StoredBatch>;
  handler: ChatHandler;
  /** Added before every chat answer (HTTP only), e.g. 50 ms for benchmarks. */
  latencyMs: number;
  /** Refuse `json_schema` with this reply (true: a 400 like vLLM / OpenAI-compatible servers send). */
  rejectJsonSchema: boolean | Reply;
  /** Refuse `json_object` likewise. */
  rejectJsonObject: boolean | Reply;
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  apiKey: string | null;
  /** Order of lines in batch output files. */
  batchOrder: BatchOrder;
  close(): Promise<void>;
}

/** The default answer: a JSON object fitting the requested schema, or a short text. */
export const defaultHandler: ChatHandler = (call) => {
  const format = call.responseFormat;
  if (format?.type === 'json_schema') return JSON.stringify(sampleFromSchema(format.schema));
  if (format?.type === 'json_object') return '{"answer": "ok"}';
  return 'ok';
};

export async function startOpenAiServer(handler: ChatHandler = defaultHandler): Promise<OpenAiServer> {
  const requests: LoggedRequest[] = [];
  const chatCalls: ChatCall[] = [];
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, StoredBatch>();
  const sockets = new Set<Socket>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  const state = {
    handler,
    latencyMs: 0,
    rejectJsonSchema: false as boolean | Reply,
    rejectJsonObject: false as boolean | Reply,
    apiKey: null as string | null,
    batchOrder: 'submitted' as BatchOrder,
  };

  const server: Server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, { message: String(error), type: 'server_error' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function sleep(ms: number): Promise<void> {
    if (ms <= 0 || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      pendingTimers.add(timer);
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const isJson = (req.headers['content-type'] ?? '').includes('application/json');
    const logged: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      authorization: req.headers.authorization,
      headers: req.headers,
      body: isJson
        ? safeJson(raw.toString('utf8'))
        : req.headers['content-type']?.includes('multipart')
          ? null
          : raw.toString('utf8'),
      at: Date.now(),
    };
    requests.push(logged);

    if (state.apiKey !== null && req.headers.authorization !== `Bearer ${state.apiKey}`) {
      sendError(res, 401, {
        message: `Incorrect API key provided: ${maskKey(req.headers.authorization)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
      return;
    }

    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    if (method === 'POST' && path === '/v1/chat/completions') return chatHttp(req, res, logged.body);
    if (method === 'POST' && path === '/v1/files') return uploadFile(req, res, raw);
    let m = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (method === 'GET' && m) return fileContent(res, decodeURIComponent(m[1]!));
    m = /^\/v1\/files\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return fileObject(res, decodeURIComponent(m[1]!));
    if (method === 'POST' && path === '/v1/batches') return createBatch(res, logged.body);
    m = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) return retrieveBatch(res, decodeURIComponent(m[1]!));
    m = /^\/v1\/batches\/([^/]+)\/cancel$/.exec(path);
    if (method === 'POST' && m) return cancelBatch(res, decodeURIComponent(m[1]!));
    return sendError(res, 404, {
      message: `Invalid URL (${method} ${url.pathname})`,
      type: 'invalid_request_error',
    });
  }

  // ---- chat ----

  /** The reply for one chat request, after the response_format switches. */
  async function replyFor(
    body: unknown,
    headers: IncomingHttpHeaders,
    via: 'http' | 'batch',
    customId: string | null,
  ): Promise<{ call: ChatCall | null; reply: Reply }> {
    const record = asRecord(body);
    if (!record)
      return { call: null, reply: errorReply(400, 'We could not parse the JSON body of your request.') };
    const messages = Array.isArray(record['messages'])
      ? record['messages'].map((m) => {
          const r = asRecord(m);
          return {
            role: String(r?.['role'] ?? ''),
            content: typeof r?.['content'] === 'string' ? r['content'] : JSON.stringify(r?.['content']),
          };
        })
      : [];
    if (typeof record['model'] !== 'string' || messages.length === 0) {
      return { call: null, reply: errorReply(400, "Missing required parameter: 'messages' or 'model'.") };
    }
    const responseFormat = readFormat(record['response_format']);
    const call: ChatCall = {
      body: record,
      messages,
      responseFormat,
      model: record['model'],
      headers,
      via,
      customId,
      index: chatCalls.length,
    };
    chatCalls.push(call);
    if (responseFormat?.type === 'json_schema' && state.rejectJsonSchema !== false) {
      const reply =
        state.rejectJsonSchema === true
          ? errorReply(
              400,
              "Invalid value for 'response_format': json_schema is not supported by this server.",
            )
          : state.rejectJsonSchema;
      return { call, reply };
    }
    if (responseFormat?.type === 'json_object' && state.rejectJsonObject !== false) {
      const reply =
        state.rejectJsonObject === true
          ? errorReply(
              400,
              "Invalid value for 'response_format': json_object is not supported by this server.",
            )
          : state.rejectJsonObject;
      return { call, reply };
    }
    return { call, reply: await state.handler(call) };
  }

  async function chatHttp(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    await sleep(state.latencyMs);
    const { call, reply } = await replyFor(body, req.headers, 'http', null);
    if (typeof reply !== 'string' && reply.kind === 'hang') return; // never answers; close() ends the socket
    if (typeof reply !== 'string' && reply.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (typeof reply !== 'string' && reply.delayMs) await sleep(reply.delayMs);
    if (closed) return;
    if (typeof reply !== 'string' && reply.kind === 'error') return sendReplyError(res, reply);
    sendJson(res, 200, completionBody(call, reply));
  }

  function sendReplyError(res: ServerResponse, reply: Extract<Reply, { kind: 'error' }>): void {
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
    if (reply.rawBody !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
      res.end(reply.rawBody);
      return;
    }
    sendError(res, reply.status, errorObject(reply), headers);
  }

  // ---- files ----

  async function uploadFile(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    // undici's multipart parser (behind Request.formData) reads exactly what the package's FormData sent.
    const form = await new Request('http://127.0.0.1/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: raw,
    }).formData();
    const file = form.get('file');
    const purpose = form.get('purpose');
    if (typeof file === 'string' || file === null || typeof purpose !== 'string') {
      sendError(res, 400, {
        message: "Missing required parameter: 'file' or 'purpose'.",
        type: 'invalid_request_error',
      });
      return;
    }
    const stored: StoredFile = {
      id: `file-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      filename: file.name,
      purpose,
      content: await file.text(),
      createdAt: nowSeconds(),
    };
    files.set(stored.id, stored);
    sendJson(res, 200, fileJson(stored));
  }

  function fileContent(res: ServerResponse, id: string): void {
    const file = files.get(id);
    if (!file) {
      sendError(res, 404, { message: `No such File object: ${id}`, type: 'invalid_request_error' });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(file.content);
  }

  function fileObject(res: ServerResponse, id: string): void {
    const file = files.get(id);
    if (!file) {
      sendError(res, 404, { message: `No such File object: ${id}`, type: 'invalid_request_error' });
      return;
    }
    sendJson(res, 200, fileJson(file));
  }

  function storeFile(content: string, purpose: string, filename: string): StoredFile {
    const file: StoredFile = {
      id: `file-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      filename,
      purpose,
      content,
      createdAt: nowSeconds(),
    };
    files.set(file.id, file);
    return file;
  }

  // ---- batches ----

  function createBatch(res: ServerResponse, body: unknown): void {
    const record = asRecord(body);
    const inputFileId = record?.['input_file_id'];
    const endpoint = record?.['endpoint'];
    if (
      typeof inputFileId !== 'string' ||
      typeof endpoint !== 'string' ||
      record?.['completion_window'] !== '24h'
    ) {
      sendError(res, 400, {
        message: 'input_file_id, endpoint and completion_window "24h" are required',
        type: 'invalid_request_error',
      });
      return;
    }
    const input = files.get(inputFileId);
    if (!input) {
      sendError(res, 404, {
        message: `No such File object: ${inputFileId}`,
        type: 'invalid_request_error',
      });
      return;
    }
    const batch: StoredBatch = {
      id: `batch_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      status: 'validating',
      inputFileId,
      endpoint,
      completionWindow: '24h',
      metadata: (asRecord(record['metadata']) as Record<string, string> | null) ?? null,
      createdAt: nowSeconds(),
      errors: [],
      counts: { total: 0, completed: 0, failed: 0 },
      done: new Map(),
      lines: [],
      processing: null,
    };
    validateBatch(batch, input);
    batches.set(batch.id, batch);
    sendJson(res, 200, batchJson(batch));
  }

  /** OpenAI's checks on the input file: purpose, JSONL shape, unique ids, one endpoint, one model. */
  function validateBatch(batch: StoredBatch, input: StoredFile): void {
    const errors = batch.errors;
    if (input.purpose !== 'batch')
      errors.push({ code: 'invalid_file_purpose', message: 'File purpose must be "batch".', line: null });
    const seen = new Set<string>();
    const models = new Set<string>();
    const lines = input.content.split('\n');
    for (const [i, text] of lines.entries()) {
      if (text.trim() === '') continue;
      const line = i + 1;
      const parsed = asRecord(safeJson(text));
      if (!parsed) {
        errors.push({
          code: 'invalid_json_line',
          message: 'This line is not parseable as valid JSON.',
          line,
        });
        continue;
      }
      const customId = parsed['custom_id'];
      const body = asRecord(parsed['body']);
      if (typeof customId !== 'string' || customId === '') {
        errors.push({ code: 'missing_required_parameter', message: 'custom_id is required.', line });
        continue;
      }
      if (seen.has(customId)) {
        errors.push({
          code: 'duplicate_custom_id',
          message: `The custom_id for this request is a duplicate of another request.`,
          line,
        });
        continue;
      }
      seen.add(customId);
      if (parsed['method'] !== 'POST') {
        errors.push({ code: 'invalid_method', message: 'The method must be POST.', line });
        continue;
      }
      if (parsed['url'] !== batch.endpoint) {
        errors.push({
          code: 'mismatched_endpoint',
          message: `The url must match the batch endpoint ${batch.endpoint}.`,
          line,
        });
        continue;
      }
      if (!body) {
        errors.push({ code: 'missing_required_parameter', message: 'body is required.', line });
        continue;
      }
      if (typeof body['model'] === 'string') models.add(body['model']);
      batch.lines.push({ customId, body });
    }
    if (models.size > 1)
      errors.push({
        code: 'mismatched_model',
        message: 'All requests in a batch must use the same model.',
        line: null,
      });
    if (batch.lines.length > 50_000)
      errors.push({
        code: 'too_many_requests',
        message: 'A batch may hold at most 50,000 requests.',
        line: null,
      });
    batch.counts.total = batch.lines.length;
  }

  /** Each retrieve moves the batch one step: validating → in_progress (or failed) → completed once all ran. */
  async function retrieveBatch(res: ServerResponse, id: string): Promise<void> {
    const batch = batches.get(id);
    if (!batch) {
      sendError(res, 404, {
        message: `No batch found with id '${id}'.`,
        type: 'invalid_request_error',
      });
      return;
    }
    advance(batch);
    sendJson(res, 200, batchJson(batch));
  }

  function advance(batch: StoredBatch): void {
    if (batch.status === 'validating') {
      if (batch.errors.length > 0) {
        batch.status = 'failed';
        batch.failedAt = nowSeconds();
        batch.counts.total = 0;
        return;
      }
      batch.status = 'in_progress';
      batch.inProgressAt = nowSeconds();
      batch.processing = processBatch(batch);
    } else if (batch.status === 'in_progress' && batch.done.size === batch.lines.length) {
      finish(batch, 'completed');
    } else if (batch.status === 'cancelling') {
      finish(batch, 'cancelled');
    }
  }

  async function processBatch(batch: StoredBatch): Promise<void> {
    for (const line of batch.lines) {
      if (batch.status !== 'in_progress' || closed) return;
      const { call, reply } = await replyFor(line.body, {}, 'batch', line.customId);
      if (typeof reply !== 'string' && reply.kind !== 'hang' && reply.kind !== 'drop' && reply.delayMs)
        await sleep(reply.delayMs);
      const requestId = `req_${randomUUID().replace(/-/g, '')}`;
      const lineId = `batch_req_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
      let out: { ok: boolean; line: string };
      if (typeof reply === 'string' || reply.kind === 'answer') {
        const body = completionBody(call, reply);
        out = {
          ok: true,
          line: JSON.stringify({
            id: lineId,
            custom_id: line.customId,
            response: { status_code: 200, request_id: requestId, body },
            error: null,
          }),
        };
      } else if (reply.kind === 'error') {
        const body = reply.rawBody !== undefined ? safeJson(reply.rawBody) : { error: errorObject(reply) };
        out = {
          ok: false,
          line: JSON.stringify({
            id: lineId,
            custom_id: line.customId,
            response: { status_code: reply.status, request_id: requestId, body },
            error: null,
          }),
        };
      } else {
        out = {
          ok: false,
          line: JSON.stringify({
            id: lineId,
            custom_id: line.customId,
            response: null,
            error: { code: 'request_timeout', message: 'The request timed out.' },
          }),
        };
      }
      batch.done.set(line.customId, out);
      if (out.ok) batch.counts.completed++;
      else batch.counts.failed++;
    }
  }

  function finish(batch: StoredBatch, status: 'completed' | 'cancelled'): void {
    const ids = [...batch.done.keys()];
    const order =
      state.batchOrder === 'submitted'
        ? ids
        : state.batchOrder === 'reversed'
          ? [...ids].reverse()
          : state.batchOrder(ids);
    const ok = order.map((id) => batch.done.get(id)).filter((x) => x?.ok);
    const failed = order.map((id) => batch.done.get(id)).filter((x) => x && !x.ok);
    if (ok.length > 0)
      batch.outputFileId = storeFile(
        ok.map((x) => `${x!.line}\n`).join(''),
        'batch_output',
        `${batch.id}_output.jsonl`,
      ).id;
    if (failed.length > 0)
      batch.errorFileId = storeFile(
        failed.map((x) => `${x!.line}\n`).join(''),
        'batch_output',
        `${batch.id}_error.jsonl`,
      ).id;
    batch.status = status;
    if (status === 'completed') batch.completedAt = nowSeconds();
    else batch.cancelledAt = nowSeconds();
  }

  function cancelBatch(res: ServerResponse, id: string): void {
    const batch = batches.get(id);
    if (!batch) {
      sendError(res, 404, {
        message: `No batch found with id '${id}'.`,
        type: 'invalid_request_error',
      });
      return;
    }
    if (batch.status === 'validating' || batch.status === 'in_progress') {
      batch.status = 'cancelling';
      batch.cancellingAt = nowSeconds();
    }
    sendJson(res, 200, batchJson(batch));
  }

  function batchJson(batch: StoredBatch): Record<string, unknown> {
    return {
      id: batch.id,
      object: 'batch',
      endpoint: batch.endpoint,
      errors:
        batch.errors.length > 0
          ? { object: 'list', data: batch.errors.map((e) => ({ ...e, param: null })) }
          : null,
      input_file_id: batch.inputFileId,
      completion_window: batch.completionWindow,
      status: batch.status,
      output_file_id: batch.outputFileId ?? null,
      error_file_id: batch.errorFileId ?? null,
      created_at: batch.createdAt,
      in_progress_at: batch.inProgressAt ?? null,
      expires_at: batch.createdAt + 24 * 3600,
      finalizing_at: null,
      completed_at: batch.completedAt ?? null,
      failed_at: batch.failedAt ?? null,
      expired_at: null,
      cancelling_at: batch.cancellingAt ?? null,
      cancelled_at: batch.cancelledAt ?? null,
      request_counts: { ...batch.counts },
      metadata: batch.metadata,
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    chatCalls,
    files,
    batches,
    get handler() {
      return state.handler;
    },
    set handler(fn) {
      state.handler = fn;
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms) {
      state.latencyMs = ms;
    },
    get rejectJsonSchema() {
      return state.rejectJsonSchema;
    },
    set rejectJsonSchema(value) {
      state.rejectJsonSchema = value;
    },
    get rejectJsonObject() {
      return state.rejectJsonObject;
    },
    set rejectJsonObject(value) {
      state.rejectJsonObject = value;
    },
    get apiKey() {
      return state.apiKey;
    },
    set apiKey(value) {
      state.apiKey = value;
    },
    get batchOrder() {
      return state.batchOrder;
    },
    set batchOrder(value) {
      state.batchOrder = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const timer of pendingTimers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- reply helpers for tests ----

export function errorReply(
  status: number,
  message: string,
  extra: Omit<Extract<Reply, { kind: 'error' }>, 'kind' | 'status' | 'message'> = {},
): Extract<Reply, { kind: 'error' }> {
  return { kind: 'error', status, message, ...extra };
}

/** The body llama.cpp builds before json_schema support sent (as a 500 server_error). */
export const llamaCppJsonSchemaRejection: Reply = {
  kind: 'error',
  status: 500,
  rawBody: JSON.stringify({
    error: {
      code: 500,
      message: 'response_format type must be one of "text" or "json_object", but got: json_schema',
      type: 'server_error',
    },
  }),
};

/** vLLM's error shape: the message at the top level, not under `error`. */
export function vllmError(status: number, message: string): Reply {
  return {
    kind: 'error',
    status,
    rawBody: JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: status }),
  };
}

// ---- bodies ----

function completionBody(
  call: ChatCall | null,
  reply: string | Extract<Reply, { kind: 'answer' }>,
): Record<string, unknown> {
  const answer = typeof reply === 'string' ? { kind: 'answer' as const, content: reply } : reply;
  const promptChars = call ? call.messages.reduce((n, m) => n + m.content.length, 0) : 0;
  const usage = answer.usage ?? {
    prompt_tokens: Math.ceil(promptChars / 4),
    completion_tokens: Math.ceil(answer.content.length / 4),
  };
  return {
    id: `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    object: 'chat.completion',
    created: nowSeconds(),
    model: answer.model ?? call?.model ?? 'unknown',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.content, refusal: null },
        logprobs: null,
        finish_reason: answer.finishReason ?? 'stop',
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

function errorObject(reply: Extract<Reply, { kind: 'error' }>): {
  message: string;
  type: string;
  code?: string | number | null;
} {
  return {
    message: reply.message ?? `status ${reply.status}`,
    type:
      reply.type ??
      (reply.status >= 500 ? 'server_error' : reply.status === 429 ? 'requests' : 'invalid_request_error'),
    code: reply.code ?? null,
  };
}

function readFormat(raw: unknown): SeenFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  const record = asRecord(raw);
  const type = record?.['type'];
  if (type === 'text' || type === 'json_object') return { type };
  if (type === 'json_schema') {
    const spec = asRecord(record?.['json_schema']);
    return {
      type,
      name: String(spec?.['name'] ?? ''),
      schema: asRecord(spec?.['schema']) ?? {},
      strict: spec?.['strict'] === true,
    };
  }
  return { type: 'other', raw };
}

/** A value of the schema's shape: enough for the default handler and benchmarks. */
export function sampleFromSchema(schema: Record<string, unknown>): unknown {
  const type = schema['type'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  if (type === 'object') {
    const props = asRecord(schema['properties']) ?? {};
    return Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k, sampleFromSchema(asRecord(v) ?? {})]),
    );
  }
  if (type === 'array') return [sampleFromSchema(asRecord(schema['items']) ?? {})];
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  return 'text';
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-request-id': `req_${randomUUID().replace(/-/g, '')}`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  error: { message: string; type: string; code?: string | number | null },
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { error: { message: error.message, type: error.type, param: null, code: error.code ?? null } },
    headers,
  );
}

function fileJson(file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: Buffer.byteLength(file.content),
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
    status_details: null,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function maskKey(authorization: string | undefined): string {
  const key = authorization?.replace(/^Bearer /, '') ?? '';
  return key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : '*****';
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
