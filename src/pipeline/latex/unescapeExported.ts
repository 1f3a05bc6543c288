/**
 * Reference managers that escape LaTeX instead of keeping it: Zotero writes an abstract's `$\sim 26$` as
 * `\$\textbackslash sim26\$`, old ADS records write `$\backslash$Lambda` and `f\_$\{$NL$\}$`. latexToText undoes
 * that first, so the math inside is read as math.
 */

/** A Zotero-escaped special character: `{\textasciitilde}`, `\textasciicircum{}`, `\%`, `\_`, ... */
const ESCAPED_CHAR = String.raw`\{\\(?:textasciitilde|textasciicircum)\}|\\(?:textasciitilde|textasciicircum)(?:\{\}| )?|\\[%&#$_{}]`;
const ESCAPED_BACKSLASH = String.raw`\{\\textbackslash\}|\\textbackslash(?:\{\}| )?`;
/** `\textbackslash` then an escaped character: together they were a control symbol (`\%`, `\~`). */
const ZOTERO_CONTROL_SYMBOL = new RegExp(`(?:${ESCAPED_BACKSLASH})(${ESCAPED_CHAR})`, 'g');
const ZOTERO_ESCAPE =
  /\{\\(textbackslash|textbraceleft|textbraceright|textasciicircum)\}|\\(textbackslash|textbraceleft|textbraceright|textasciicircum)(?:\{\}| )?|\\([$_])|\\\^\{\}/g;
const ZOTERO_CHARS: Readonly<Record<string, string>> = {
  textbackslash: '\\',
  textbraceleft: '{',
  textbraceright: '}',
  textasciicircum: '^',
  textasciitilde: '~',
};

/**
 * Zotero exports abstracts that held LaTeX with every special character escaped (`\$\textbackslash sim26\$`,
 * `Compton \$Y\$`), and old ADS records do the same with `$\backslash$`, `$\{$` and `\_`. Undo that first, so the
 * math inside is read as math rather than leaking `\sim` or `$` into the text. Two or more `\$` mark such an
 * export: a literal dollar sign is rare in astronomy, escaped math is common.
 */
export function unescapeExported(s: string): string {
  let text = s;
  if (/\$\\(?:backslash|\{|\})\$/.test(text)) {
    // Old ADS records: `$\backslash$Lambda`, `f\_$\{$NL$\}$`, `\$`, `\^{}`.
    text = text
      .replace(/\$\\backslash\$/g, '\\')
      .replace(/\$\\\{\$/g, '{')
      .replace(/\$\\\}\$/g, '}')
      .replace(/\\([$_])/g, '$1')
      .replace(/\\\^\{\}/g, '^');
  }
  if (text.includes('\\backslash')) {
    // Zotero's mixed `{$\sigma\_\backslash$}mathrm`: a backslash before a word.
    text = text.replace(/\\backslash\$?\}?(?=[A-Za-z])/g, '\\');
  }
  const escapedDollars = text.split('\\$').length - 1;
  if (text.includes('\\textbackslash') || text.includes('\\textbraceleft') || escapedDollars >= 2) {
    text = text
      .replace(ZOTERO_CONTROL_SYMBOL, (_m, char: string) => {
        const name = /textasciitilde|textasciicircum/.exec(char)?.[0];
        return `\\${name ? ZOTERO_CHARS[name] : char.slice(1)}`;
      })
      .replace(
        ZOTERO_ESCAPE,
        (_m, braced: string | undefined, bare: string | undefined, char: string | undefined) => {
          if (char !== undefined) return char;
          const name = braced ?? bare;
          return name ? (ZOTERO_CHARS[name] ?? '') : '^';
        },
      );
  }
  return text;
}
