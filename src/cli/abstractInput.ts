/**
 * The abstract a command explains: --abstract TEXT, --file FILE or stdin. Files and stdin must be UTF-8 (a UTF-8
 * byte-order mark is dropped): UTF-16, binary data and invalid UTF-8 are refused, naming where, instead of
 * reaching a model as replacement characters.
 */
import { readFileSync } from 'node:fs';
import { describeError, MiniAstroError } from '../core/errors';
import { firstInvalidUtf8 } from '../core/textDecoding';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const HINT_ENCODING = 'Save the abstract as UTF-8 plain text (most editors: "Save with encoding" → UTF-8).';

/**
 * The text of an abstract file or stdin, which must be UTF-8 (a UTF-8 byte-order mark is dropped): UTF-16,
 * binary data and invalid UTF-8 are refused, naming where, instead of reaching the model as replacement
 * characters.
 */
export function decodeAbstractBytes(bytes: Uint8Array, source: string): string {
  const bad = (what: string) => new MiniAstroError('badInput', `${source} ${what}.`, HINT_ENCODING);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw bad('is UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw bad(`holds a NUL byte at offset ${nul}: it is binary data (or UTF-16), not text`);
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.startsWith('\ufeff') ? text.slice(1) : text;
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).filter((b) => b === 10).length + 1;
    throw bad(
      `is not valid UTF-8: byte 0x${bytes[offset]?.toString(16).padStart(2, '0')} at offset ${offset} ` +
        `(line ${line}); it may be Latin-1 or Windows-1252`,
    );
  }
}

export async function readAbstract(values: { abstract?: string; file?: string }): Promise<string> {
  if (values.abstract !== undefined && values.file !== undefined) {
    throw new MiniAstroError('usage', 'explain takes --abstract or --file, not both.', 'Pass one of them.');
  }
  let text: string;
  if (values.abstract !== undefined) text = values.abstract;
  else if (values.file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(values.file);
    } catch (error) {
      throw new MiniAstroError(
        'badInput',
        `cannot read ${values.file} (${describeError(error)})`,
        'Pass a text file holding one abstract.',
      );
    }
    text = decodeAbstractBytes(bytes, values.file);
  } else if (process.stdin.isTTY) {
    throw new MiniAstroError(
      'usage',
      'explain needs an abstract: --abstract TEXT, --file FILE, or text on stdin.',
      'For example: miniastrolm explain --model out/export --file abstract.txt (or: pbpaste | miniastrolm explain --model out/export)',
    );
  } else text = decodeAbstractBytes(await readStdin(), 'the text on stdin');
  if (text.trim() === '') {
    throw new MiniAstroError(
      'badInput',
      'the abstract is empty.',
      'Pass the abstract text with --abstract, --file or stdin.',
    );
  }
  return text;
}
