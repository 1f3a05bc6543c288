/**
 * Explanations already written, keyed by what determines them: the abstract's text, the model's identity and the
 * generation settings. The hover provider reads only this (it never waits on a model); least recently used
 * entries go first. No `vscode` here.
 */
import { createHash } from 'node:crypto';
import type { ExplainResult } from '../engine/protocol';

export interface ExplanationIdentity {
  /** What wrote it: "student:<folder>#<epoch>" or "teacher:<url>|<model>". */
  model: string;
  /** The generation settings, serialised (empty for the teacher). */
  generation: string;
}

export function explanationKey(abstract: string, identity: ExplanationIdentity): string {
  return createHash('sha256')
    .update(abstract.replace(/\s+/g, ' ').trim())
    .update('\u0000')
    .update(identity.model)
    .update('\u0000')
    .update(identity.generation)
    .digest('hex');
}

export class ExplanationCache {
  private readonly entries = new Map<string, ExplainResult>();

  constructor(private readonly capacity = 500) {}

  get(key: string): ExplainResult | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: ExplainResult): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
