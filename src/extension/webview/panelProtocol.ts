/**
 * The explanation panel's message protocol: the one file of types that the extension host (panel.ts) and the page
 * (media/panel/main.ts) both import. The page speaks first (`ready`), and the host posts nothing before it.
 */
import type { ExplainMark } from '../../engine/protocol';

export interface PanelPaper {
  title: string | null;
  authors: string[];
  year: string | null;
  arxivId: string | null;
  /** Where the abstract came from, for the user: "paper.tex, line 12", "refs.bib (smith2020)". */
  origin: string;
  abstract: string;
  /** Whether "Insert as a LaTeX comment" has somewhere to insert (a .tex abstract). */
  canInsert: boolean;
}

export interface PanelExplanation {
  text: string;
  writtenBy: string;
  marks: ExplainMark[];
  /** Short facts under the text: tokens and stop reason, tokens cut to fit, stored/regenerated. */
  notes: string[];
  /** The teacher's answer failed the validators: these say how. */
  errors: string[];
  status: string | null;
}

export type HostMessage =
  | { type: 'paper'; paper: PanelPaper }
  | { type: 'progress'; text: string; tokens: number; phase: string }
  | { type: 'explanation'; explanation: PanelExplanation }
  | { type: 'error'; message: string; hint: string }
  | { type: 'notice'; text: string; kind: 'info' | 'error' };

export type PageMessage =
  | { type: 'ready' }
  | { type: 'copy' }
  | { type: 'insertAsComment' }
  | { type: 'addToDataset' }
  | { type: 'regenerate' }
  | { type: 'cancel' };
