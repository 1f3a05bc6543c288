/**
 * One paper explained by the teacher where a person is reading it (the editor's hover and panel, `explain --with
 * teacher`): the paper is stored, the explanation goes through exactly the supervision loop a batch run uses
 * (teacher → validators → regeneration → judge), and it stays in the database as supervision for that paper — so
 * using the editor grows the dataset the student is trained on. A paper that already has an explanation is
 * answered from the database without a call, unless a regeneration is asked for.
 */
import { createHash } from 'node:crypto';
import { isoNow } from '../../core/clock';
import { MiniAstroError } from '../../core/errors';
import type { Paper } from '../arxiv/types';
import { PaperStore } from '../store/papers';
import { SupervisionStore } from '../store/supervision';
import { type SuperviseDeps, superviseWithTeacher } from './supervise';

export interface TeacherExplanation {
  paperId: string;
  /** null when the teacher's answers failed validation (see reason and errors). */
  explanation: string | null;
  /** The paper's state: validated (no judge yet), accepted, rejected; 'human' for a person's stored decision. */
  status: 'validated' | 'accepted' | 'rejected' | 'human';
  reason: string | null;
  /** The validators' messages on the last answer, when it failed them. */
  errors: string[];
  /** The judge's scores and feedback, when it gave a verdict. */
  judge: unknown;
  /** Answered from the database, no call made. */
  fromStore: boolean;
  /** Model that wrote it (from the stored call). */
  model: string | null;
  costUsd: number;
}

/** A stable id for an abstract that has none (a draft in a .tex file): the same text always gets the same id. */
export function localPaperId(abstract: string): string {
  return `local:${createHash('sha256').update(abstract.trim()).digest('hex').slice(0, 12)}`;
}

/** A minimal paper record for text that came from a document rather than a feed. */
export function paperFromDocument(input: {
  id: string | null;
  title: string | null;
  authors: readonly string[];
  abstract: string;
}): Paper {
  return {
    id: input.id ?? localPaperId(input.abstract),
    version: null,
    title: input.title ?? '',
    abstract: input.abstract,
    authors: [...input.authors],
    categories: [],
    primaryCategory: null,
    published: null,
    updated: null,
    doi: null,
    journalRef: null,
    comment: null,
  };
}

function stored(
  store: SupervisionStore,
  paperId: string,
  fromStore: boolean,
  costUsd: number,
): TeacherExplanation {
  const human = store.humanDecision(paperId);
  const calls = store.calls(paperId, 'teacher');
  const lastAnswered = calls.filter((c) => c.outcome !== 'failed').at(-1);
  const judgeCall = store.calls(paperId, 'judge').at(-1);
  if (human) {
    return {
      paperId,
      explanation:
        human.decision === 'accept' ? (human.explanation ?? store.state(paperId)?.explanation ?? null) : null,
      status: 'human',
      reason:
        human.decision === 'accept'
          ? human.note
          : `a person rejected this paper's explanation${human.note ? `: ${human.note}` : ''}`,
      errors: [],
      judge: null,
      fromStore,
      model: null,
      costUsd,
    };
  }
  const state = store.state(paperId);
  if (!state) {
    throw new MiniAstroError(
      'remote',
      'The teacher gave no answer for this paper (the endpoint did not respond).',
      'Check that the teacher endpoint is running and reachable, then try again; nothing was stored as rejected.',
    );
  }
  return {
    paperId,
    explanation: state.status === 'rejected' ? null : state.explanation,
    status: state.status,
    reason: state.reason,
    errors: state.status === 'rejected' ? (lastAnswered?.errors ?? []).map((e) => e.message) : [],
    judge: state.judgeFeedback ?? judgeCall?.verdict ?? null,
    fromStore,
    model: lastAnswered?.model ?? null,
    costUsd,
  };
}

/**
 * Stores `paper` (a stored copy with the same id wins when newer: feeds carry better metadata than documents) and
 * returns its teacher explanation, asking the teacher (and judge, when deps has one) unless one is stored.
 */
export async function explainPaperWithTeacher(
  paper: Paper,
  deps: SuperviseDeps,
  options: { regenerate: boolean },
): Promise<TeacherExplanation> {
  const papers = new PaperStore(deps.db);
  const store = new SupervisionStore(deps.db);
  if (!papers.get(paper.id)) papers.upsertMany([paper], 'editor', isoNow(deps.clock));
  const existing = store.state(paper.id);
  const human = store.humanDecision(paper.id);
  if (!options.regenerate && (human || existing)) {
    // A stored explanation waiting for its judge gets the judge now (superviseWithTeacher does that).
    if (!(existing?.status === 'validated' && deps.judge && !human)) {
      return stored(store, paper.id, true, 0);
    }
  }
  let teacherUnreachable: string | null = null;
  const summary = await superviseWithTeacher(
    [paper.id],
    {
      ...deps,
      onEvent: (event) => {
        if (event.type === 'paper' && event.role === 'teacher' && event.status === 'deferred') {
          teacherUnreachable = event.reason ?? 'no answer';
        }
        deps.onEvent?.(event);
      },
    },
    { force: options.regenerate },
  );
  if (teacherUnreachable !== null) {
    throw new MiniAstroError(
      'remote',
      `The teacher endpoint ${deps.teacher.endpoint.baseUrl} did not answer: ${teacherUnreachable}`,
      'Start the endpoint or check the teacher settings, then try again; nothing was stored as rejected.',
    );
  }
  return stored(store, paper.id, false, summary.costUsd);
}
