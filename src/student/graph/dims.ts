// Symbolic dimensions as canonical integer polynomials ('B', 'T-1', 'B*T', 'P+T'), so shape checks can prove
// that two dims are equal at build time even when batch and sequence length are only known at run time.

/** A dimension: a number when static, otherwise a canonical polynomial string over named symbols. */
export type Dim = number | string;
export type Shape = readonly Dim[];

/** Monomial key ('' for the constant term, else factors sorted and joined by '*') → integer coefficient. */
type Poly = Map<string, number>;

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Thrown for dims the polynomial algebra cannot represent (the caller wraps it with the node it came from). */
export class DimError extends Error {}

function addTerm(p: Poly, key: string, coef: number): void {
  const next = (p.get(key) ?? 0) + coef;
  if (next === 0) p.delete(key);
  else p.set(key, next);
}

function parse(dim: Dim): Poly {
  const p: Poly = new Map();
  if (typeof dim === 'number') {
    addTerm(p, '', dim);
    return p;
  }
  // Terms are separated by '+' or '-' (kept with the sign); factors within a term by '*'.
  const terms = dim.replace(/\s+/g, '').match(/[+-]?[^+-]+/g);
  if (!terms) throw new DimError(`empty dim '${dim}'`);
  for (const term of terms) {
    let coef = term.startsWith('-') ? -1 : 1;
    const syms: string[] = [];
    for (const factor of term.replace(/^[+-]/, '').split('*')) {
      if (/^\d+$/.test(factor)) coef *= Number(factor);
      else if (SYMBOL.test(factor)) syms.push(factor);
      else throw new DimError(`cannot read dim '${dim}' (factor '${factor}')`);
    }
    addTerm(p, syms.sort().join('*'), coef);
  }
  return p;
}

function format(p: Poly): Dim {
  const constant = p.get('') ?? 0;
  // Higher-degree terms first, then alphabetical: 'B*T-B', 'P+T'.
  const degree = (k: string) => k.split('*').length;
  const keys = [...p.keys()]
    .filter((k) => k !== '')
    .sort((a, b) => degree(b) - degree(a) || (a < b ? -1 : 1));
  if (keys.length === 0) return constant;
  let out = '';
  for (const key of keys) {
    const c = p.get(key)!;
    const mag = Math.abs(c) === 1 ? key : `${Math.abs(c)}*${key}`;
    out += c < 0 ? `-${mag}` : out === '' ? mag : `+${mag}`;
  }
  if (constant !== 0) out += constant < 0 ? `${constant}` : `+${constant}`;
  return out;
}

/** The canonical spelling of a dim, so 'T+B' and 'B+T' compare equal. */
export function normDim(d: Dim): Dim {
  return typeof d === 'number' ? d : format(parse(d));
}

export function dimEq(a: Dim, b: Dim): boolean {
  return normDim(a) === normDim(b);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  const p = parse(a);
  for (const [k, c] of parse(b)) addTerm(p, k, c);
  return format(p);
}

export function dimSub(a: Dim, b: Dim): Dim {
  const p = parse(a);
  for (const [k, c] of parse(b)) addTerm(p, k, -c);
  return format(p);
}

function mulKeys(a: string, b: string): string {
  return [...a.split('*'), ...b.split('*')]
    .filter((s) => s !== '')
    .sort()
    .join('*');
}

export function dimMul(a: Dim, b: Dim): Dim {
  const out: Poly = new Map();
  for (const [ka, ca] of parse(a)) for (const [kb, cb] of parse(b)) addTerm(out, mulKeys(ka, kb), ca * cb);
  return format(out);
}

export function dimProduct(dims: Shape): Dim {
  return dims.reduce<Dim>((acc, d) => dimMul(acc, d), 1);
}

/** Exact division by a monomial (a number or a product of symbols); undefined when it does not divide. */
export function dimDiv(a: Dim, b: Dim): Dim | undefined {
  const divisor = parse(b);
  if (divisor.size !== 1) return undefined;
  const [[dkey, dcoef]] = [...divisor.entries()] as [[string, number]];
  const dsyms = dkey === '' ? [] : dkey.split('*');
  const out: Poly = new Map();
  for (const [key, coef] of parse(a)) {
    if (coef % dcoef !== 0) return undefined;
    const syms = key === '' ? [] : key.split('*');
    for (const s of dsyms) {
      const i = syms.indexOf(s);
      if (i < 0) return undefined;
      syms.splice(i, 1);
    }
    addTerm(out, syms.join('*'), coef / dcoef);
  }
  return format(out);
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Numpy broadcasting; a symbolic dim broadcasts only against 1 or an equal dim (anything else is a build error). */
export function broadcastShapes(shapes: readonly Shape[]): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1) dim = d;
      else if (!dimEq(dim, d)) {
        throw new DimError(
          `shapes ${shapes.map(fmtShape).join(' and ')} do not broadcast (axis ${i}: ${dim} vs ${d})`,
        );
      }
    }
    out.push(normDim(dim));
  }
  return out;
}

/** Evaluates a dim for concrete symbol values (used by tests and by callers that allocate buffers). */
export function evalDim(d: Dim, symbols: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [key, coef] of parse(d)) {
    let term = coef;
    for (const s of key === '' ? [] : key.split('*')) {
      const v = symbols[s];
      if (v === undefined) throw new DimError(`no value for symbol '${s}' in dim '${d}'`);
      term *= v;
    }
    total += term;
  }
  return total;
}
