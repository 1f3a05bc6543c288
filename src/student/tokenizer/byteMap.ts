// GPT-2's reversible byte <-> printable-character table, so every byte sequence has a vocab spelling.

/**
 * Bytes that are already printable keep their own code point; the other 68 bytes (controls, space, NBSP,
 * soft hyphen) are moved to U+0100 onwards in byte order. This is `bytes_to_unicode()` from GPT-2's
 * encoder.py, which every GPT-2 vocab file is written in (space is `Ġ`, newline is `Ċ`).
 */
function buildByteToChar(): string[] {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table.push(String.fromCharCode(printable(b) ? b : 256 + shifted++));
  }
  return table;
}

/** BYTE_TO_CHAR[byte] is the one-character spelling of that byte in vocab files. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Inverse of BYTE_TO_CHAR. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/**
 * The bytes a vocab token spells. Characters outside the table (possible in hand-added special tokens such
 * as "<pad token>" with a real space) stand for their own UTF-8 bytes, which is how HF decodes added tokens.
 */
export function tokenStringToBytes(token: string): Uint8Array {
  const out: number[] = [];
  for (const ch of token) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b !== undefined) out.push(b);
    else for (const u of Buffer.from(ch, 'utf8')) out.push(u);
  }
  return Uint8Array.from(out);
}

/** Vocab spelling of a byte string (the inverse of tokenStringToBytes for table characters). */
export function bytesToTokenString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b];
  return s;
}
