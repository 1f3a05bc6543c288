/**
 * Gets the one JSON object a model was asked for out of whatever it actually wrote: strict JSON first (the
 * common case costs one JSON.parse), then the text inside a ```json fence, then the first `{...}` that parses
 * out of surrounding prose, repairing Python-literal and hand-typed JSON slips on the way. Every step taken is
 * listed in `repaired`, so a pipeline can count how often its teacher needed help. An answer cut off mid-object
 * is an error: closing it ourselves would invent content.
 */
import { LenientParseError, lenientParse, type Repair } from './lenientParse';
import { objectSpanEnd } from './scan';

export type { Repair } from './lenientParse';

export type ExtractResult = { value: Record<string, unknown>; repaired: Repair[] } | { error: string };

/** Candidate `{` positions tried before giving up; prose with many stray braces should not cost quadratic time. */
const MAX_CANDIDATES = 50;

export function extractJsonObject(text: string): ExtractResult {
  const strict = strictObject(text);
  if (strict) return strict;

  const repaired: Repair[] = [];
  let body = text;
  const withoutThink = body.replace(/<think>[\s\S]*?<\/think>/gi, '');
  if (withoutThink !== body) {
    repaired.push('think-block');
    body = withoutThink;
    const again = strictObject(body);
    if (again) return { value: again.value, repaired: [...repaired, ...again.repaired] };
  }

  const fence = fencedBlock(body);
  if (fence !== null) {
    const inFence = fromCandidates(fence);
    if ('value' in inFence) {
      // Text around a fence is expected chatter; only text inside it counts as "surrounding".
      return { value: inFence.value, repaired: merge(repaired, ['code-fence'], inFence.repaired) };
    }
    const outside = fromCandidates(body);
    if ('value' in outside) return { value: outside.value, repaired: merge(repaired, outside.repaired) };
    return inFence;
  }
  const found = fromCandidates(body);
  return 'value' in found ? { value: found.value, repaired: merge(repaired, found.repaired) } : found;
}

/** The whole text is JSON: an object, or a JSON string holding one (double-encoded). */
function strictObject(text: string): { value: Record<string, unknown>; repaired: Repair[] } | null {
  const parsed = tryJson(text.trim());
  if (isPlainObject(parsed)) return { value: parsed, repaired: [] };
  if (typeof parsed === 'string' && parsed.trim().startsWith('{')) {
    const inner = tryJson(parsed.trim());
    if (isPlainObject(inner)) return { value: inner, repaired: ['double-encoded'] };
  }
  return null;
}

/**
 * Tries each top-level `{` in order: the first that parses wins. A candidate that fails is skipped as a whole
 * (so an inner object of a broken outer one is never picked); one that runs to the end of the text is a
 * truncated answer and ends the search.
 */
function fromCandidates(body: string): ExtractResult {
  let firstError: string | null = null;
  let from = 0;
  for (let tries = 0; tries < MAX_CANDIDATES; tries++) {
    const start = body.indexOf('{', from);
    if (start < 0) break;
    try {
      const parsed = lenientParse(body, start, true);
      if (isPlainObject(parsed.value)) {
        const around = body.slice(0, start).trim() !== '' || body.slice(parsed.end).trim() !== '';
        const prefix: Repair[] = around ? ['surrounding-text'] : [];
        return { value: parsed.value, repaired: [...prefix, ...parsed.repairs] };
      }
    } catch (error) {
      if (!(error instanceof LenientParseError)) throw error;
      if (error.truncated) {
        return {
          error: `truncated: the object opened at offset ${start} is never closed (${error.message})`,
        };
      }
      firstError ??= error.message;
    }
    const end = objectSpanEnd(body, start);
    // The parser already said what is wrong; the span scan only failing to find an end (stray quotes make it
    // lose count) must not turn that syntax error into a claim of truncation.
    if (end < 0) break;
    from = end;
  }
  return {
    error: firstError ? `no parsable JSON object: ${firstError}` : 'no JSON object found in the text',
  };
}

/** The contents of the first ``` fence that holds a `{` (an unclosed fence runs to the end of the text). */
function fencedBlock(text: string): string | null {
  const fence = /```[^\n`]*\n?([\s\S]*?)(?:```|$)/g;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    const inner = m[1] ?? '';
    if (inner.includes('{')) return inner;
    if (m[0].length === 0) fence.lastIndex++;
  }
  return null;
}

function merge(...lists: Repair[][]): Repair[] {
  return [...new Set(lists.flat())];
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export { type JsonValue, LenientParseError } from './lenientParse';
// Readers of stored rows get both entry points from one module.
export { parsePythonLiteral } from './pythonLiteral';
