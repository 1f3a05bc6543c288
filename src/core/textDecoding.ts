/**
 * Bytes from outside (an import file, a training file, an HTTP body) to text, never guessing: a byte-order mark or
 * a declared charset (an HTTP header, an XML declaration) is followed; otherwise the bytes must be UTF-8. Anything
 * else is refused with the line and byte where it goes wrong, because decoding it anyway would store U+FFFD
 * replacement characters in place of the letters, silently and for good.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { describeError, MiniAstroError } from './errors';

export interface DecodeOptions {
  /** A charset the source declares (`ISO-8859-1`, `windows-1252`, `utf-8`); null or absent: UTF-8 or a BOM. */
  declared?: string | null;
  /** Where the charset was declared, for messages ("its XML declaration", "the Content-Type header"). */
  declaredBy?: string;
  /** What to do, appended to the hint (e.g. "Nothing was imported."). */
  after?: string;
  /** The error kind: 'badInput' for files, 'remote' for a service's response. */
  kind?: 'badInput' | 'remote';
}

/** A text file we are given (a config, a prompt): unreadable or not UTF-8 is a MiniAstroError with `hint`. */
export function readTextFile(file: string, hint: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new MiniAstroError('badInput', `Cannot read ${file}: ${describeError(error)}`, hint);
  }
  return decodeText(bytes, file);
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence; -1 when all are. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/** 1-based line and column (in bytes) of `offset`. */
function position(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The printable ASCII around `offset`, other bytes as \xHH, to show where in the line the problem is. */
function around(bytes: Uint8Array, offset: number): string {
  let from = offset;
  while (from > 0 && offset - from < 24 && bytes[from - 1] !== 0x0a) from--;
  let to = offset + 1;
  while (to < bytes.length && to - offset < 16 && bytes[to] !== 0x0a) to++;
  let out = '';
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    out +=
      b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * The text of `bytes` read from `source` (a file path or URL, for messages). Throws MiniAstroError when the bytes
 * are not text in the charset they declare or, without one, not UTF-8 (Latin-1, Windows-1252, UTF-16 without a
 * BOM, binary).
 */
export function decodeText(bytes: Uint8Array, source: string, options: DecodeOptions = {}): string {
  const kind = options.kind ?? 'badInput';
  const after = options.after ? ` ${options.after}` : '';
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return strict('utf-16le', bytes.subarray(2), source, kind, after);
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return strict('utf-16be', bytes.subarray(2), source, kind, after);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const at = position(bytes, nul);
    throw new MiniAstroError(
      kind,
      `${source} is not text: line ${at.line} holds a NUL byte (${around(bytes, nul)}). It is a binary file, or ` +
        'UTF-16 without a byte-order mark.',
      `Save it as UTF-8 text and run again.${after}`,
    );
  }
  const declared = options.declared?.trim().toLowerCase() || null;
  if (declared !== null && !/^utf-?8$/.test(declared)) {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(declared, { fatal: true });
    } catch {
      throw new MiniAstroError(
        kind,
        `${source} declares the character set "${options.declared}" (${options.declaredBy ?? 'its declaration'}), ` +
          'which this reader does not know.',
        `Convert it to UTF-8 (and declare UTF-8), then run again.${after}`,
      );
    }
    return strictWith(decoder, bytes, source, kind, after, options.declared ?? declared);
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  if (isUtf8(body)) return new TextDecoder('utf-8').decode(body);
  const bad = Math.max(0, firstInvalidUtf8(body));
  const at = position(body, bad);
  const byte = body[bad]!;
  const guess = byte >= 0x80 && byte <= 0x9f ? 'Windows-1252' : 'Latin-1 (ISO-8859-1) or Windows-1252';
  throw new MiniAstroError(
    kind,
    `${source} is not UTF-8: line ${at.line}, column ${at.column} has the byte ${hex(byte)} ` +
      `("${around(body, bad)}"), which UTF-8 does not allow there; it looks like ${guess} text` +
      `${declared ? ' although it declares UTF-8' : ''}.`,
    kind === 'remote'
      ? `The service sent text that is not UTF-8 without saying which character set it is in; report it to whoever runs it.${after}`
      : `Convert it to UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8 IN > OUT, then run again.${after}`,
  );
}

function strict(
  label: string,
  bytes: Uint8Array,
  source: string,
  kind: 'badInput' | 'remote',
  after: string,
) {
  return strictWith(new TextDecoder(label, { fatal: true }), bytes, source, kind, after, label.toUpperCase());
}

function strictWith(
  decoder: TextDecoder,
  bytes: Uint8Array,
  source: string,
  kind: 'badInput' | 'remote',
  after: string,
  charset: string,
): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new MiniAstroError(
      kind,
      `${source} is not valid ${charset} text, the character set it declares.`,
      `Check how it was saved, convert it to UTF-8, and run again.${after}`,
    );
  }
}

const XML_DECLARATION = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/;

/**
 * The character set a document's XML declaration names (`<?xml version="1.0" encoding="ISO-8859-1"?>`), read
 * from its first bytes (every encoding a declaration may name writes the declaration itself in ASCII); null
 * when there is no declaration or it names none.
 */
export function declaredXmlEncoding(bytes: Uint8Array): string | null {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(bytes.length - start, 256));
  return XML_DECLARATION.exec(head.toString('latin1'))?.[1] ?? null;
}

/** The `charset` parameter of a Content-Type header value; null when there is none. */
export function contentTypeCharset(contentType: string | null): string | null {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m?.[1] ?? null;
}
