/**
 * What the outer test (extensionHost.test.ts, under node:test) and the suite inside the extension host
 * (suite/index.ts) tell each other: parameters through a JSON file named by an environment variable, results
 * through another JSON file.
 */

export const PARAMS_ENV = 'MINIASTROLM_EXTENSION_HOST_TEST';

export interface SuiteParams {
  resultFile: string;
  workspace: string;
  /** samples/astro-ph-sample.atom.xml and what importing it into an empty database reports. */
  sampleFile: string;
  sampleImport: { imported: number; skipped: number };
  /** The .tex file in the workspace and the text of its abstract environment (what gets selected). */
  texFile: string;
  abstract: string;
  /** What `miniastrolm explain --json` gives for `abstract` with the workspace's student model. */
  explain: { explanation: string; tokens: number; stop: string };
  fetch: { query: string; max: number; papers: number };
}

export interface StepResult {
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

export interface SuiteResult {
  steps: StepResult[];
  /** Every notification the extension showed, in order. */
  messages: { kind: 'info' | 'warning' | 'error'; text: string }[];
  /** Progress notifications: title and each reported message. */
  progress: { title: string; messages: string[] }[];
}
