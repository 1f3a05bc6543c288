/**
 * The streaming walk both feed parsers share: saxes with namespaces (arXiv's 2016 feeds declare prefixes inline on
 * each element, so matching prefixed names would be wrong), no DOM (a 2000-entry page is ~5 MB and must parse in
 * well under 0.15 s), and one error type whose `reason` tells a caller whether retrying can help.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { MiniAstroError } from '../../core/errors';

export type FeedErrorReason =
  /** The service answered with a well-formed error document (bad id, bad query, bad resumption token). */
  | 'arxiv-error'
  /** Empty, truncated or otherwise not well-formed XML. */
  | 'malformed'
  /** Well-formed, but not the kind of document asked for (an HTML error page, another XML vocabulary). */
  | 'wrong-document';

export class FeedError extends MiniAstroError {
  constructor(
    readonly reason: FeedErrorReason,
    message: string,
    hint: string,
    /** The service's own error code (`badResumptionToken`, `incorrect_id_format_for_abc`), when it gave one. */
    readonly code: string | null = null,
    options?: { cause?: unknown },
  ) {
    super('badInput', message, hint, options);
  }

  /** An error document will come back the same; a broken or foreign body is usually a transient failure. */
  get retryable(): boolean {
    return this.reason !== 'arxiv-error';
  }
}

export interface XmlHandlers {
  /** A start tag; the root has depth 0. `line` is where the tag ends, for messages. */
  open(tag: SaxesTagNS, depth: number, line: number): void;
  /**
   * An end tag. `text` is the element's character data (entities resolved, CDATA included) when it has no child
   * elements, and '' when it has: arXiv's fields are all leaves, and ignoring the whitespace between children
   * saves building strings nobody reads.
   */
  close(tag: SaxesTagNS, text: string, depth: number): void;
}

const RETRY_HINT = 'Retry the request; if it keeps failing, arXiv may be having trouble, so try again later.';
const FILE_HINT =
  'The file was probably saved incomplete or edited by hand: save the arXiv response again, or fetch the papers ' +
  'with `miniastrolm fetch --ids`. Nothing was imported.';
/** saxes's complaints when the text stops inside the document. */
const ENDS_EARLY = /^(?:unclosed tag|unexpected end|XML declaration is incomplete)/;

/**
 * Walks a whole document. Throws FeedError('malformed') at the first well-formedness or namespace error, with
 * saxes's line and column; errors thrown by the handlers propagate untouched. `local`: the document is a file
 * on disk, so retrying cannot help and the hints say what can.
 */
export function walkXml(xml: string, handlers: XmlHandlers, what: string, local = false): void {
  if (xml.trim() === '') {
    throw new FeedError('malformed', `${what} is empty.`, local ? FILE_HINT : RETRY_HINT);
  }
  const parser = new SaxesParser({ xmlns: true, position: true });
  let depth = 0;
  let text = '';
  let leaf = false;
  parser.on('error', (err) => {
    const detail = err.message.replace(/^\d+:\d+: /, '');
    const endsEarly = parser.position >= xml.length && ENDS_EARLY.test(detail);
    const cutOff = !endsEarly
      ? ''
      : local
        ? ' The file ends there, before the feed is closed: it was saved incomplete.'
        : ' The body ends there, so it was probably cut off in transit.';
    throw new FeedError(
      'malformed',
      `${what} is not well-formed XML (line ${parser.line}, column ${parser.column}: ${detail}); ` +
        `it starts with ${excerpt(xml)}.${cutOff}`,
      local ? FILE_HINT : RETRY_HINT,
    );
  });
  parser.on('opentag', (tag) => {
    text = '';
    leaf = true;
    handlers.open(tag, depth, parser.line);
    depth++;
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (t) => {
    text += t;
  });
  parser.on('closetag', (tag) => {
    depth--;
    const own = leaf ? text : '';
    text = '';
    leaf = false;
    handlers.close(tag, own, depth);
  });
  parser.write(xml).close();
}

/** The start of a body, quoted and cut short, so a message shows what actually came back. */
export function excerpt(body: string, max = 80): string {
  const flat = body
    .slice(0, max * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max - 3)}...` : flat);
}

const HTML_START = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html[\s>])/i;
const HTML_TITLE = /<(title|h1)[^>]*>([^<]*)<\/\1>/i;

/**
 * An HTML page (a proxy's or arXiv's own 503) is rarely well-formed XML, so it is recognised before parsing,
 * and the page's title or heading is returned to quote; null when the body is not HTML.
 */
export function sniffHtml(body: string): string | null {
  if (!HTML_START.test(body.slice(0, 2048))) return null;
  const heading = HTML_TITLE.exec(body);
  return heading?.[2]?.replace(/\s+/g, ' ').trim() || 'no title';
}

export function wrongDocument(
  what: string,
  expected: string,
  found: string,
  body: string,
  local = false,
): FeedError {
  return new FeedError(
    'wrong-document',
    `${what} is ${found}, not ${expected}; it starts with ${excerpt(body)}.`,
    local
      ? 'Import a saved arXiv API response (Atom), JSON Lines or a JSON array of records. Nothing was imported.'
      : 'Check the configured URL points at the arXiv service; if it does, the service is likely failing, ' +
          'so retry later.',
  );
}

/**
 * A JSON body where XML was expected (a proxy's or gateway's error object), recognised before parsing so it is
 * not reported as XML cut off in transit; returns how to describe it, or null when the body is not JSON.
 */
export function sniffJson(body: string): string | null {
  const start = body.trimStart()[0];
  if (start !== '{' && start !== '[') return null;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const error = record['error'];
  const said = [
    typeof error === 'string' ? error : null,
    typeof error === 'object' && error !== null ? (error as Record<string, unknown>)['message'] : null,
    record['message'],
    record['detail'],
  ].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  return said ? `a JSON document saying ${JSON.stringify(said.slice(0, 200))}` : 'a JSON document';
}

/** A non-negative integer from an element or attribute; null when absent or not a number. */
export function parseCount(text: string | null | undefined): number | null {
  if (text == null) return null;
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}
