// Rule id_match: an explanation is stored against the paper it was written for, never a neighbour's.
import type { ValidationError, ValidationInput, ValidatorConfig } from './types';

/**
 * Canonical arXiv id: no URL or `arXiv:` prefix, lower case. Old-style ids keep their slash (`astro-ph/0601001`).
 * Versions are compared only when both sides carry one: the store keeps ids without version, the teacher may echo
 * the versioned URL, and both name the same paper.
 */
export function canonicalArxivId(raw: string): { base: string; version: string | null } {
  let s = raw.trim().toLowerCase();
  s = s.replace(/^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf)\//, '').replace(/^arxiv:/, '');
  s = s.replace(/\.pdf$/, '');
  const m = /^(.*?)(v\d+)$/.exec(s);
  return m ? { base: m[1] ?? s, version: m[2] ?? null } : { base: s, version: null };
}

export function checkIdMatch(input: ValidationInput, _config: ValidatorConfig): ValidationError[] {
  if (input.id.trim() === '') {
    return [{ rule: 'id_match', code: 'missing_id', message: `Missing id; expected ${input.expectedId}` }];
  }
  const got = canonicalArxivId(input.id);
  const want = canonicalArxivId(input.expectedId);
  const versionsDiffer = got.version !== null && want.version !== null && got.version !== want.version;
  if (got.base !== want.base || versionsDiffer) {
    return [
      {
        rule: 'id_match',
        code: 'id_mismatch',
        message: `Id mismatch: expected ${input.expectedId}, got ${input.id}`,
        details: { expected: input.expectedId, got: input.id },
      },
    ];
  }
  return [];
}
