/**
 * OpenAI-compatible servers disagree on the shape of error bodies: OpenAI nests `{error: {message}}`, vLLM puts
 * `{object: "error", message}` at the top, FastAPI says `{detail}`, Ollama `{error: "text"}`. The `openai`
 * package only reads the first, and reduces the others to "400 status code (no body)", which hides the
 * "response_format not supported" we must recognise. This fetch wrapper rewrites error bodies into OpenAI's
 * shape, and marks a 429 for a used-up quota as not worth retrying (the package honours `x-should-retry`);
 * successful responses pass through untouched.
 */

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function normalizingFetch(inner: FetchLike): FetchLike {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const text = await response.text();
    const lifted = liftErrorBody(text);
    const headers = new Headers(response.headers);
    // The body is re-encoded text now; stale length/encoding headers would mislead.
    headers.delete('content-length');
    headers.delete('content-encoding');
    // Waiting does not refill a used-up quota: retrying would only delay the message by minutes.
    if (response.status === 429 && /insufficient_quota/.test(text)) headers.set('x-should-retry', 'false');
    return new Response(lifted ?? text, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

/** OpenAI-shaped error JSON for a foreign-shaped one; null when it already is OpenAI's shape or not JSON. */
export function liftErrorBody(text: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  const error = record['error'];
  if (typeof error === 'object' && error !== null) return null;
  const message =
    typeof error === 'string'
      ? error
      : typeof record['message'] === 'string'
        ? record['message']
        : record['detail'] !== undefined
          ? typeof record['detail'] === 'string'
            ? record['detail']
            : JSON.stringify(record['detail'])
          : JSON.stringify(record);
  const type = typeof record['type'] === 'string' ? record['type'] : null;
  const code =
    typeof record['code'] === 'string' || typeof record['code'] === 'number' ? record['code'] : null;
  return JSON.stringify({ error: { message, type, code, param: record['param'] ?? null } });
}
