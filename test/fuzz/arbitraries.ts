/**
 * Inputs for the fuzz suite: well-formed seeds (a feed, a config, an answer) bent by a few random edits, so most
 * cases get past the first check and reach the parser's deeper paths, plus plain random text and bytes. Sizes are
 * bounded so a whole run stays within seconds per target on a 2-core machine.
 */
import fc from 'fast-check';

/** Pieces that matter to the formats we parse, spliced in by edits more often than random text finds them. */
const tokens = [
  '<',
  '>',
  '</',
  '/>',
  '<entry>',
  '</entry>',
  '</feed>',
  '<record>',
  '<![CDATA[',
  ']]>',
  '&amp;',
  '&#0;',
  '&#x1F600;',
  '&bogus;',
  '<!DOCTYPE x [<!ENTITY a "aaaa">]>',
  'xmlns="urn:x"',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ':',
  ',',
  '\\',
  '\\u00',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\uFEFF',
  '\uFFFD',
  '\uD800',
  '```',
  '```json\n',
  'None',
  'True',
  'NaN',
  '-Infinity',
  '1e309',
  '-0',
  '9007199254740993',
  '- ',
  ': ',
  '&a',
  '*a',
  '!!binary',
  '---\n',
  '2501.00001',
  'astro-ph/0601001v2',
  '<think>',
  '</think>',
];

const snippet = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...tokens) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

type Edit =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: snippet }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'duplicate':
      return text.slice(0, at) + text.slice(at, at + e.length) + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
  }
}

/** One of `seeds` with up to `maxEdits` edits (none at all now and then: the seed itself must pass too). */
export function mutated(seeds: readonly string[], maxEdits = 5): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: maxEdits }))
    .map(([seed, edits]) => edits.reduce(apply, seed));
}

/** Mutated seeds most of the time, random text the rest. */
export function textLike(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: mutated(seeds) },
    { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  );
}

/** Bytes: seeds encoded as UTF-8, Latin-1 or UTF-16 and then mutated, or random. */
export function bytesLike(seeds: readonly string[]): fc.Arbitrary<Uint8Array> {
  const encoded = fc
    .tuple(mutated(seeds), fc.constantFrom('utf8', 'latin1', 'utf16le') as fc.Arbitrary<BufferEncoding>)
    .map(([text, encoding]) => new Uint8Array(Buffer.from(text, encoding)));
  const flipped = fc
    .tuple(encoded, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
    .map(([bytes, flips]) => {
      const out = bytes.slice();
      for (const [at, value] of flips) if (out.length > 0) out[at % out.length] = value;
      return out;
    });
  return fc.oneof(
    { weight: 3, arbitrary: flipped },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 400 }) },
  );
}

/** Every path to a value inside `value` (objects and arrays), the root included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function replaceAt(root: unknown, path: (string | number)[], replacement: unknown, remove: boolean): unknown {
  if (path.length === 0) return replacement;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(root)
    ? [...root]
    : { ...(root as Record<string, unknown>) };
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const container = copy as Record<string | number, unknown>;
  if (rest.length === 0 && remove) delete container[head];
  else container[head] = replaceAt(container[head], rest, replacement, remove);
  return copy;
}

/**
 * `seed` (parsed JSON/YAML) with a few values replaced by random JSON, removed, or unknown keys added; now and
 * then any JSON value at all (null, a number, a list) in its place.
 */
export function perturbed(seed: unknown, maxChanges = 3): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: changed(seed, maxChanges) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], {}, 0, '', true) },
  );
}

function changed(seed: unknown, maxChanges: number): fc.Arbitrary<unknown> {
  const all = paths(seed);
  const change = fc.tuple(
    fc.nat({ max: all.length - 1 }),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('replace', 'remove', 'add'),
    fc.string({ maxLength: 8 }),
  );
  return fc.array(change, { maxLength: maxChanges }).map((changes) =>
    changes.reduce<unknown>((value, [index, replacement, how, key]) => {
      const path = all[index]!;
      if (how === 'add') return replaceAt(value, [...path, key], replacement, false);
      return replaceAt(value, path, replacement, how === 'remove' && path.length > 0);
    }, seed),
  );
}
