/**
 * What an entry's fields mean, once bib.ts has read them: its arXiv id (from `eprint`, or an arXiv URL in the
 * usual fields), its DOI, and its authors as "First Last" names.
 */
import { tryParseArxivId } from '../arxiv/ids';
import { findArxivIds } from './arxivIds';
import { latexToText } from './latexToText';

/** Fields searched, in order, for an arXiv id when `eprint` does not give one. */
const ARXIV_FIELDS = ['url', 'howpublished', 'note', 'pages', 'journal', 'volume', 'number', 'doi', 'adsurl'];

/** `eprint` (with an arXiv or absent `archivePrefix`/`eprinttype`), else the first id in the usual fields. */
export function arxivIdOf(fields: Record<string, string>): { id: string; version: number | null } | null {
  const prefix = (fields['archiveprefix'] ?? fields['eprinttype'] ?? '')
    .replace(/[{}"]/g, '')
    .trim()
    .toLowerCase();
  let eprint = fields['eprint']?.replace(/[{}\s]/g, '');
  // INSPIRE writes old-style ids as `eprint = "0309280"` with the archive in `primaryClass = "hep-ph"`.
  const archive = /^[a-z-]+/.exec(fields['primaryclass']?.replace(/[{}\s]/g, '') ?? '')?.[0];
  if (eprint && /^\d{7}(?:v\d+)?$/.test(eprint) && archive) eprint = `${archive}/${eprint}`;
  if (eprint && (prefix === '' || prefix === 'arxiv')) {
    const parsed = tryParseArxivId(eprint);
    if (parsed) return parsed;
  }
  for (const name of ARXIV_FIELDS) {
    const value = fields[name];
    if (!value) continue;
    const mention = findArxivIds(value.replace(/\\_/g, '_'))[0];
    if (mention) return { id: mention.id, version: mention.version ?? null };
  }
  return null;
}

/** The entry's DOI from `doi` or a doi.org URL, without prefix; undefined when none reads as one. */
export function doiOf(fields: Record<string, string>): string | undefined {
  const candidates = [fields['doi'], /doi\.org\/(\S+)/i.exec(fields['url'] ?? '')?.[1]];
  for (const raw of candidates) {
    if (!raw) continue;
    const doi = raw
      .replace(/[{}]/g, '')
      .replace(/\\([_&%#$])/g, '$1')
      .trim()
      .replace(/^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:\s*)/i, '');
    if (/^10\.\d{4,9}\/\S+$/.test(doi)) return doi;
  }
  return undefined;
}

/** Splits `author` on ` and ` outside braces; "Last, First" and "von Last, Jr, First" read "First von Last Jr". */
export function splitAuthors(raw: string): string[] {
  const names: string[] = [];
  for (const name of splitTopLevel(raw, /\s+and\s+/iy)) {
    const parts = splitTopLevel(name, /,/y).map((p) => latexToText(p, { comments: false }));
    if (parts.length === 1 && parts[0]!.toLowerCase() === 'others') continue;
    const [last = '', second, third] = parts;
    const ordered =
      parts.length >= 3 ? `${third} ${last} ${second}` : parts.length === 2 ? `${second} ${last}` : last;
    const plain = ordered.replace(/\s+/g, ' ').trim();
    if (plain !== '') names.push(plain);
  }
  return names;
}

/** Splits at matches of `separator` (a sticky regex) that lie outside braces. */
function splitTopLevel(text: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) depth++;
    else if (c === 125 && depth > 0) depth--;
    else if (depth === 0 && (c === 44 || c === 32 || c === 9 || c === 10 || c === 13)) {
      // Separators here (`,`, ` and `) start with a comma or a blank: try the regex only there.
      separator.lastIndex = i;
      const m = separator.exec(text);
      if (m && m[0].length > 0) {
        parts.push(text.slice(start, i));
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}
