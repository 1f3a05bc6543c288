/**
 * OpenAI's Batch API (half price, answers within 24 h) for teacher and judge runs. Every function takes the
 * package client and a batch id and keeps nothing in memory, so a caller persists the ids it submitted and can
 * poll and collect after a restart, from a fresh client. Results come back keyed by custom_id because the
 * output file is in no particular order, and failed requests sit in a separate error file.
 */
import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { MiniAstroError } from '../../../core/errors';
import { toLlmCallError } from './failures';

export interface BatchRequest {
  /** Unique within the batch; how the answer finds its paper again. */
  customId: string;
  /** A chat-completions body (see buildChatBody). */
  body: Record<string, unknown>;
}

export interface BatchLimits {
  maxRequests: number;
  maxBytes: number;
}

/** OpenAI's per-file limits for batch input. */
export const OPENAI_BATCH_LIMITS: BatchLimits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 };

export const BATCH_ENDPOINT = '/v1/chat/completions';

export type BatchState = Batch['status'];

export interface BatchStatus {
  id: string;
  status: BatchState;
  /** No further change will happen: completed, failed, expired or cancelled. */
  done: boolean;
  counts: { total: number; completed: number; failed: number };
  outputFileId: string | null;
  errorFileId: string | null;
  /** Validation errors of a failed batch, as "line N: message". */
  errors: string[];
  metadata: Record<string, string>;
}

export type BatchItemResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; error: string; status: number | null };

const TERMINAL: ReadonlySet<BatchState> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/**
 * JSONL input files, each within the limits, in request order. Throws on a duplicate custom_id (OpenAI rejects
 * the whole file) and on a single request larger than a file may be.
 */
export function buildBatchFiles(
  requests: readonly BatchRequest[],
  limits: BatchLimits = OPENAI_BATCH_LIMITS,
): string[] {
  if (limits.maxRequests < 1 || limits.maxBytes < 1) throw new RangeError('batch limits must be positive');
  const seen = new Set<string>();
  const files: string[] = [];
  let lines: string[] = [];
  let bytes = 0;
  for (const request of requests) {
    if (seen.has(request.customId)) {
      throw new MiniAstroError(
        'badInput',
        `duplicate custom_id in batch: ${request.customId}`,
        'Give every request in a batch its own id.',
      );
    }
    seen.add(request.customId);
    const line = `${JSON.stringify({ custom_id: request.customId, method: 'POST', url: BATCH_ENDPOINT, body: request.body })}\n`;
    const size = Buffer.byteLength(line, 'utf8');
    if (size > limits.maxBytes) {
      throw new MiniAstroError(
        'badInput',
        `batch request ${request.customId} is ${size} bytes, more than a whole batch file may hold (${limits.maxBytes})`,
        'Shorten the prompt, or send this request through the live API.',
      );
    }
    if (lines.length >= limits.maxRequests || bytes + size > limits.maxBytes) {
      files.push(lines.join(''));
      lines = [];
      bytes = 0;
    }
    lines.push(line);
    bytes += size;
  }
  if (lines.length > 0) files.push(lines.join(''));
  return files;
}

/** Uploads one JSONL file (purpose "batch") and starts a 24 h batch on it; returns the batch id to persist. */
export async function submitBatch(
  client: OpenAI,
  jsonl: string,
  metadata: Record<string, string> = {},
): Promise<string> {
  checkMetadata(metadata);
  return remote(client, async () => {
    const file = await client.files.create({
      file: await toFile(Buffer.from(jsonl, 'utf8'), 'batch.jsonl', { type: 'application/jsonl' }),
      purpose: 'batch',
    });
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: BATCH_ENDPOINT,
      completion_window: '24h',
      metadata,
    });
    return batch.id;
  });
}

export async function pollBatch(client: OpenAI, id: string): Promise<BatchStatus> {
  return remote(client, async () => toStatus(await client.batches.retrieve(id)));
}

/** Asks OpenAI to stop; the batch goes through "cancelling" and keeps the answers finished so far. */
export async function cancelBatch(client: OpenAI, id: string): Promise<BatchStatus> {
  return remote(client, async () => toStatus(await client.batches.cancel(id)));
}

/**
 * Every answer of a finished batch, keyed by custom_id, from its output and error files. An expired or
 * cancelled batch yields what was finished; requests that never ran are simply absent (send them again).
 */
export async function collectBatch(client: OpenAI, id: string): Promise<Map<string, BatchItemResult>> {
  const status = await pollBatch(client, id);
  if (status.status === 'failed') {
    throw new MiniAstroError(
      'badInput',
      `batch ${id} failed validation: ${status.errors.join('; ') || 'no reason given'}`,
      'Fix the input file and submit a new batch.',
    );
  }
  if (!status.done) {
    throw new MiniAstroError(
      'remote',
      `batch ${id} is ${status.status}; its results are not ready`,
      'Poll the batch until it is completed, then collect it.',
    );
  }
  const results = new Map<string, BatchItemResult>();
  for (const fileId of [status.outputFileId, status.errorFileId]) {
    if (!fileId) continue;
    const text = await remote(client, async () => (await client.files.content(fileId)).text());
    readOutputFile(text, fileId, results);
  }
  return results;
}

/** Parses output/error-file lines into `into`; exported for callers that fetch files themselves. */
export function readOutputFile(text: string, fileId: string, into: Map<string, BatchItemResult>): void {
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new MiniAstroError(
        'remote',
        `batch file ${fileId} line ${index + 1} is not JSON`,
        'Download the file to inspect it; collect again later.',
      );
    }
    const record = asRecord(parsed);
    const customId = record?.['custom_id'];
    if (!record || typeof customId !== 'string') continue;
    into.set(customId, readOutputLine(record));
  }
}

function readOutputLine(record: Record<string, unknown>): BatchItemResult {
  const response = asRecord(record['response']);
  const error = asRecord(record['error']);
  const status = typeof response?.['status_code'] === 'number' ? response['status_code'] : null;
  const body = asRecord(response?.['body']);
  if (!error && status !== null && status >= 200 && status < 300 && body) return { ok: true, body };
  const bodyError = asRecord(body?.['error']);
  const message =
    stringOf(error?.['message']) ??
    stringOf(bodyError?.['message']) ??
    (status !== null ? `status ${status}` : 'no response');
  const code = stringOf(error?.['code']) ?? stringOf(bodyError?.['code']);
  return { ok: false, error: code ? `${code}: ${message}` : message, status };
}

function toStatus(batch: Batch): BatchStatus {
  const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
  return {
    id: batch.id,
    status: batch.status,
    done: TERMINAL.has(batch.status),
    counts: { total: counts.total, completed: counts.completed, failed: counts.failed },
    outputFileId: batch.output_file_id ?? null,
    errorFileId: batch.error_file_id ?? null,
    errors: (batch.errors?.data ?? []).map(
      (e) => `${e.line != null ? `line ${e.line}: ` : ''}${e.message ?? e.code ?? 'error'}`,
    ),
    metadata: { ...(batch.metadata ?? {}) },
  };
}

/** OpenAI: at most 16 pairs, keys up to 64 characters, values up to 512. */
function checkMetadata(metadata: Record<string, string>): void {
  const entries = Object.entries(metadata);
  const bad = entries.length > 16 || entries.some(([k, v]) => k.length > 64 || v.length > 512);
  if (bad) {
    throw new MiniAstroError(
      'usage',
      'batch metadata is over OpenAI limits (16 keys, 64-character keys, 512-character values)',
      'Keep only the ids needed to find the batch again.',
    );
  }
}

/** Package errors become LlmCallError (auth / unavailable / rejected), as for live calls. */
async function remote<T>(client: OpenAI, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const context = { baseUrl: client.baseURL, timeoutMs: client.timeout, maxRetries: client.maxRetries };
    throw toLlmCallError(error, context) ?? error;
  }
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
