/**
 * The shapes of the curation view (see curation.ts), with no imports: the engine's protocol and the sidebar's
 * page (a browser script) use them too.
 */

export const curationStates = ['pending', 'validated', 'accepted', 'rejected', 'human-edited'] as const;
export type CurationState = (typeof curationStates)[number];
/** A filter: one state, every row, or the frozen eval papers (which have a state too). */
export type CurationFilter = CurationState | 'all' | 'eval';

export interface CurationRow {
  paperId: string;
  title: string;
  state: CurationState;
  /** Decided by a person (accept, reject or edit). */
  human: boolean;
  eval: boolean;
  /** Words of the explanation that would be exported (null when there is none). */
  words: number | null;
  updatedAt: string | null;
}

export interface CurationPage {
  rows: CurationRow[];
  /** Rows matching the filter and search, beyond this page too. */
  total: number;
  /** Papers per filter, for the search given. */
  counts: Record<CurationFilter, number>;
}

export interface CurationDetail {
  row: CurationRow;
  abstract: string;
  authors: string[];
  /** What the export would use: a person's edit, else the pipeline's explanation. */
  explanation: string | null;
  /** The pipeline's own explanation when a person edited it. */
  pipelineExplanation: string | null;
  reason: string | null;
  note: string | null;
  judge: unknown;
  calls: {
    id: number;
    role: 'teacher' | 'judge';
    attempt: number;
    model: string;
    outcome: string;
    costUsd: number;
    createdAt: string;
    errors: string[];
  }[];
}

export interface CurationStats {
  counts: Record<CurationFilter, number>;
  /** Word counts of the explanations that would be exported or await a verdict. */
  words: number[];
  band: { min: number; max: number };
  /** Per validator: teacher answers checked, and how many passed it. */
  validators: { rule: string; checked: number; passed: number }[];
}
