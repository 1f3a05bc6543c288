/**
 * Finds where a `{...}` that starts at a given offset ends, counting braces and brackets outside strings.
 * Used only to skip past a candidate object that failed to parse, so its inner objects are not mistaken for
 * the answer; it never decides what a value is (the parser does), so it can afford to be simple.
 */

const CLOSERS: Record<string, string> = { '"': '"', "'": "'", '\u201c': '\u201d' };

/** Offset just past the `}` matching the `{` at `start`, or -1 when the text ends first. */
export function objectSpanEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    const close = CLOSERS[c];
    if (close !== undefined) {
      const triple = (c === '"' || c === "'") && text.startsWith(c.repeat(3), i);
      i = stringEnd(text, i + (triple ? 3 : 1), triple ? close.repeat(3) : close);
      if (i < 0) return -1;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

function stringEnd(text: string, from: number, close: string): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text.startsWith(close, i)) return i + close.length;
  }
  return -1;
}
