/**
 * Positions in source text: spans are UTF-16 code-unit offsets (what VS Code's `document.offsetAt` gives), lines
 * are 1-based. One line index per parsed text, so every item's line costs a binary search, not a rescan.
 */
export interface SourceSpan {
  start: number;
  end: number;
}

/** Offsets where each line starts; `lineAt` maps an offset to its 1-based line. Handles LF, CRLF and lone CR. */
export function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** The span shrunk to exclude leading and trailing whitespace (an empty span stays where it started). */
export function trimSpan(text: string, span: SourceSpan): SourceSpan {
  let { start, end } = span;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return { start, end };
}

export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/**
 * Index of the brace that closes the group opened at `open` (which must hold `{`), or -1 when the text ends
 * first. A backslash escapes the next character, so `\{` and `\}` do not count. Linear, no recursion.
 */
export function matchingBrace(text: string, open: number, limit = text.length): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
