/**
 * Reads Python `repr()` / `pprint` output of dicts, lists and tuples (what a Python pipeline writes when it
 * stores `str(dict)` instead of JSON) into JSON values. It is the lenient grammar run over the whole text:
 * True/False/None, single/double/triple-quoted and r/u/b-prefixed strings with Python escapes, tuples as arrays,
 * adjacent string literals joined. Non-string dict keys become their JSON text (1 → "1").
 * Throws LenientParseError (message says where and why; `truncated` when the text stops early): a stored row
 * that does not parse is a data problem the caller reports, not a value to guess.
 */
import { type JsonValue, lenientParse } from './lenientParse';

export function parsePythonLiteral(text: string): JsonValue {
  return lenientParse(text).value;
}
