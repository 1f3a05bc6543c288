/**
 * The train/eval split is a pure function of the paper id (a salted hash), so every export — on any machine, in any
 * order — puts a paper on the same side. Ids chosen for eval are frozen in the database, and frozen ids never enter
 * training even if the fraction or salt changes later.
 */
import { createHash } from 'node:crypto';

/** A number in [0, 1) fixed by the id and the salt. */
export function splitPosition(paperId: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}\u0000${paperId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

export function isEvalBySplit(paperId: string, evalFraction: number, salt: string): boolean {
  return splitPosition(paperId, salt) < evalFraction;
}
