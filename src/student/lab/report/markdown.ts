/** Markdown pieces of the reports: tables, numbers written the same way everywhere, figures, quoted text. */

export type Cell = string | number | boolean | null | undefined;

/** A number to 3 decimals (or 3 significant digits below 0.01), '–' for none. */
export function fmt(value: Cell, digits = 3): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 0.01) return value.toPrecision(3);
  return value.toFixed(digits);
}

export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cellText = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(cellText).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map((r) => line(r.map((c) => fmt(c))))].join(
    '\n',
  );
}

export function figure(file: string, alt: string): string {
  return `![${alt}](${file})`;
}

/** Text as a quoted block (keeps paragraphs). */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((l) => `> ${l}`.trimEnd())
    .join('\n');
}

export function verdict(pass: boolean): string {
  return pass ? '**PASS**' : '**FAIL**';
}
