/**
 * What the outer test (extensionHost.test.ts, under node:test) and the suite inside the extension host
 * (suite/index.ts) tell each other: parameters through a JSON file named by an environment variable, results
 * through another JSON file, and screenshot requests through numbered files in `shotsDir` (the suite asks,
 * the outer test — which holds the browser — takes the picture and answers).
 */

export const PARAMS_ENV = 'MINIASTROLM_EXTENSION_HOST_TEST';

export interface SuiteParams {
  resultFile: string;
  workspace: string;
  /** samples/astro-ph-sample.atom.xml and what importing it into an empty database reports. */
  sampleFile: string;
  sampleImport: { imported: number; skipped: number };
  /** paper.tex: its abstract as plain text, and the citation key in its introduction. */
  texFile: string;
  abstract: string;
  citeKey: string;
  /** refs.bib: the cited entry's abstract as plain text, and a hostile entry's key and raw abstract. */
  bibFile: string;
  citedAbstract: string;
  hostileKey: string;
  hostileAbstract: string;
  /** notes.md mentions this arXiv id, which the bundled sample holds. */
  markdownFile: string;
  arxivId: string;
  /**
   * letter.tex lists its references itself (thebibliography): `listedKey`'s item names `arxivId`, `noIdKey`'s
   * item names no id.
   */
  letterFile: string;
  /** sections/method.tex, which letter.tex pulls in with \input, cites `listedKey`. */
  letterPartFile: string;
  /** source.bbl: a reference list on its own, one item naming `arxivId`. */
  bblFile: string;
  listedKey: string;
  noIdKey: string;
  /** What `miniastrolm explain --json` gives for `abstract` with the workspace's student (the demo model). */
  explain: { explanation: string; tokens: number; stop: string };
  fetch: { query: string; max: number; papers: number };
  /** The key the suite types into "Set API key"; the loopback teacher accepts only it. */
  apiKey: string;
  /** A key the teacher refuses (401), typed in first to see the editor's failure path. */
  wrongApiKey: string;
  shotsDir: string;
  training: TrainingParams;
}

/** The training fixture: a tiny config (the setting miniastrolm.trainConfig), a task in tasks.json, a bad config. */
export interface TrainingParams {
  /** Workspace-relative, like the setting. */
  config: string;
  /** The label of the task .vscode/tasks.json declares for `config`. */
  taskLabel: string;
  maxSteps: number;
  /** The config's outputDir (what the tasks.json task writes), and the folder the stopped-and-resumed run uses. */
  out: string;
  resumedOut: string;
  /** A config with an unknown key `badKey` on 0-based line `badKeyLine`. */
  badConfig: string;
  badKey: string;
  badKeyLine: number;
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
  /** Milliseconds of executeHoverProvider round trips with the explanation cached. */
  cachedHoverMs: number[];
}

/** What the browser does in a webview page before the picture: what a person would do with mouse and keys. */
export type PageAction =
  | { click: string }
  | { fill: string; text: string }
  /** A key pressed with focus in `on` (a CSS selector). */
  | { press: string; on: string }
  | { waitFor: string; text?: string };

/** A screenshot the suite asks for: the outer test saves `${name}.png` and, for webviews, their text. */
export interface ShotRequest {
  name: string;
  /** Also read the text of the webview page holding this element id. */
  webviewElement?: string;
  /** Done first, in the webview page holding `webviewElement`. */
  actions?: PageAction[];
}

export interface ShotAnswer {
  file: string;
  /** An action that could not be done (the element never appeared, …): the suite's step fails with it. */
  error?: string;
  /** textContent and innerHTML of `webviewElement` in the first frame that has it. */
  webview?: { text: string; html: string; pwned: boolean } | null;
}
