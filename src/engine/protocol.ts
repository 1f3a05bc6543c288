/**
 * The JSON-RPC protocol between the editor and the engine process: one file of types that both sides import, so
 * a request the extension sends and the handler the engine registers cannot drift apart. No `vscode` here: the
 * engine runs in a plain Node process.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type {
  CurationDetail,
  CurationFilter,
  CurationPage,
  CurationStats,
} from '../pipeline/store/curationTypes';

/** Bumped when a request or result changes shape; the client refuses an engine that speaks another version. */
export const ENGINE_PROTOCOL_VERSION = 1;

export interface EngineInfo {
  protocol: number;
  version: string;
  pid: number;
  node: string;
}

/** An error the user can act on crosses the wire as JSON-RPC error data: message plus what to do. */
export interface EngineErrorData {
  kind: string;
  hint: string;
}

// ── Documents: what is in a .tex / .bib / Markdown file, and the abstracts it points at ─────────────────────────

export type DocumentFlavor = 'tex' | 'bib' | 'text';

export interface ScanDocumentParams {
  file: string;
  flavor: DocumentFlavor;
  text: string;
  /** Every .bib file of the workspace, for citations whose document names no bibliography. */
  workspaceBibs: string[];
  /**
   * Every .tex file of the workspace: where the root of a file without `\documentclass` (a section `\input` by
   * main.tex) is looked for, whose references its citations resolve through. Absent: the file stands alone.
   */
  workspaceTex?: string[];
  databasePath: string;
}

export type ScannedKind = 'abstract' | 'cite' | 'arxiv-id' | 'bib-abstract';

/** Where the abstract text came from: the document itself, a .bib entry, or the workspace database. */
export type AbstractOrigin = 'document' | 'bib' | 'database';

export interface ScannedItem {
  kind: ScannedKind;
  /** UTF-16 offsets into the scanned text: the abstract body, the citation key, the id. */
  start: number;
  end: number;
  line: number;
  /** The citation key, the bib entry key or the arXiv id (null for a .tex abstract). */
  key: string | null;
  /** The paper this is about, in the database's id scheme (arXiv id, doi:…, bib:…, local:…). */
  paperId: string | null;
  title: string | null;
  authors: string[];
  year: string | null;
  arxivId: string | null;
  /** The abstract as plain text (what the model reads), or null when none could be found. */
  abstract: string | null;
  origin: AbstractOrigin | null;
  /** The .bib file a citation resolved through. */
  bibFile: string | null;
  /**
   * A citation resolved through a reference list (a thebibliography, the root's, a .bbl): the reference as plain
   * text (such a list has no fields).
   */
  reference: string | null;
  /** Why there is no abstract (key in no .bib file, entry without abstract, id not in the database). */
  problem: string | null;
}

export interface ScanDocumentResult {
  items: ScannedItem[];
  /** The .bib files the citations were resolved against. */
  bibFiles: string[];
  /** Problems worth telling the user (unreadable .bib files, unbalanced braces), at most a few. */
  problems: string[];
}

// ── Explaining ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface GenerationSettings {
  /** null: the model's own (export folder) or configs/generation.yaml. */
  maxNewTokens: number | null;
  minNewTokens: number;
  repetitionPenalty: number;
  noRepeatNgramSize: number;
}

export interface StudentSource {
  kind: 'student';
  modelPath: string;
  generation: GenerationSettings;
}

export interface TeacherSource {
  kind: 'teacher';
  /** null: OPENAI_BASE_URL, else OpenAI. The key travels in the engine's environment, never in a request. */
  baseUrl: string | null;
  model: string | null;
  judge: { baseUrl: string | null; model: string | null } | null;
  databasePath: string;
  /** Ask the teacher again even when the paper already has a stored explanation. */
  regenerate: boolean;
}

export interface PaperRef {
  /** The database id; null for an abstract with no id (a .tex draft): the engine makes a stable local one. */
  id: string | null;
  title: string | null;
  authors: string[];
}

export interface ExplainParams {
  /** Names this request in progress notifications. */
  requestId: string;
  abstract: string;
  paper: PaperRef;
  source: StudentSource | TeacherSource;
}

export interface ExplainMark {
  kind: string;
  severity: 'error' | 'warning';
  start: number;
  end: number;
  text: string;
  message: string;
}

export interface ExplainResult {
  explanation: string;
  /** Who wrote it, for the user: "student", "teacher gpt-4o-mini". */
  writtenBy: string;
  /** The student's weights folder (a run's newest checkpoint, an export folder). */
  modelDir: string | null;
  source: 'student' | 'teacher';
  marks: ExplainMark[];
  /** Tokens the student generated (0 for the teacher). */
  tokens: number;
  stop: string | null;
  /** The abstract's tokens cut off so the prompt fits (student only). */
  droppedAbstractTokens: number;
  /** Tokens the generation budget was shortened by to fit the model's positions (student only). */
  shortenedBy: number;
  /** Teacher only: the state the paper reached (validated, accepted, rejected) and why. */
  status: string | null;
  reason: string | null;
  /** Teacher only: validator failures of the last answer, when it was rejected. */
  errors: string[];
  /** Teacher only: whether the explanation came from the database without a new call. */
  fromStore: boolean;
  paperId: string | null;
  ms: number;
}

export interface ExplainProgress {
  requestId: string;
  /** The explanation so far. */
  text: string;
  tokens: number;
  phase: 'loading' | 'generating' | 'asking-teacher' | 'asking-judge';
}

// ── Dataset ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface AddToDatasetParams {
  databasePath: string;
  paper: PaperRef;
  abstract: string;
  explanation: string;
  /** Written by whom, kept as the decision's note. */
  note: string;
}

export interface AddToDatasetResult {
  paperId: string;
  /** The v1 validators' failures: an explanation that fails them is not added. */
  errors: string[];
  added: boolean;
}

export interface FetchPapersParams {
  databasePath: string;
  ids: string[];
  arxivApiUrl: string;
  delayMs: number;
}

export interface FetchPapersResult {
  stored: string[];
  missing: string[];
}

// ── Curation ───────────────────────────────────────────────────────────────────────────────────────────────────

export type {
  CurationDetail,
  CurationFilter,
  CurationPage,
  CurationRow,
  CurationState,
  CurationStats,
} from '../pipeline/store/curationTypes';

export interface CurationListParams {
  databasePath: string;
  filter: CurationFilter;
  search: string;
  offset: number;
  limit: number;
}

export interface CurationDetailParams {
  databasePath: string;
  paperId: string;
}

export interface CurationDetailResult {
  detail: CurationDetail | null;
  /** The v1 validators on the explanation the export would use. */
  validation: { rule: string; passed: boolean; messages: string[] }[];
}

export interface CurationDecideParams {
  databasePath: string;
  paperId: string;
  /** accept (as it is, or `explanation` as edited), reject, or clear a person's decision. */
  decision: 'accept' | 'reject' | 'clear';
  /** An edited explanation: stored only when it passes the validators. */
  explanation: string | null;
  note: string | null;
}

export interface CurationDecideResult {
  stored: boolean;
  /** Why an edit was not stored: the validators' messages. */
  errors: string[];
}

export interface WorkspaceSummaryParams {
  databasePath: string;
}

/** What the first-run walkthrough and the sidebar need to know about the workspace database. */
export interface WorkspaceSummary {
  papers: number;
  supervised: number;
  accepted: number;
  humanDecisions: number;
}

export const Requests = {
  hello: new RequestType<null, EngineInfo, EngineErrorData>('engine/hello'),
  scanDocument: new RequestType<ScanDocumentParams, ScanDocumentResult, EngineErrorData>('document/scan'),
  explain: new RequestType<ExplainParams, ExplainResult, EngineErrorData>('explain'),
  addToDataset: new RequestType<AddToDatasetParams, AddToDatasetResult, EngineErrorData>('dataset/add'),
  fetchPapers: new RequestType<FetchPapersParams, FetchPapersResult, EngineErrorData>('papers/fetch'),
  curationList: new RequestType<CurationListParams, CurationPage, EngineErrorData>('curation/list'),
  curationDetail: new RequestType<CurationDetailParams, CurationDetailResult, EngineErrorData>(
    'curation/detail',
  ),
  curationDecide: new RequestType<CurationDecideParams, CurationDecideResult, EngineErrorData>(
    'curation/decide',
  ),
  curationStats: new RequestType<{ databasePath: string }, CurationStats, EngineErrorData>('curation/stats'),
  workspaceSummary: new RequestType<WorkspaceSummaryParams, WorkspaceSummary, EngineErrorData>(
    'workspace/summary',
  ),
  shutdown: new RequestType<null, null, EngineErrorData>('engine/shutdown'),
} as const;

export const Notifications = {
  explainProgress: new NotificationType<ExplainProgress>('explain/progress'),
} as const;

/** JSON-RPC error code of a request the client cancelled (LSP's RequestCancelled). */
export const CANCELLED_ERROR_CODE = -32800;
/** JSON-RPC error code of an error the user can act on (its data says what to do). */
export const USER_ERROR_CODE = -32001;
