/**
 * The curation sidebar's requests: rows by state and search, one paper's detail with the validators run on the
 * explanation the export would use, decisions (an edit is stored only when it passes the validators; a person's
 * decision is kept apart and wins), statistics, and the workspace summary the walkthrough reads.
 */
import { isoNow, systemClock } from '../core/clock';
import { loadPipelineConfig } from '../pipeline/config/pipelineConfig';
import { CurationStore } from '../pipeline/store/curation';
import type { Db } from '../pipeline/store/database';
import { PaperStore } from '../pipeline/store/papers';
import { SupervisionStore } from '../pipeline/store/supervision';
import { validateExplanation } from '../pipeline/validate/validate';
import type {
  CurationDecideParams,
  CurationDecideResult,
  CurationDetailParams,
  CurationDetailResult,
  WorkspaceSummary,
} from './protocol';

function validation(paperId: string, abstract: string, explanation: string) {
  const { validators } = loadPipelineConfig();
  return validateExplanation({ id: paperId, expectedId: paperId, abstract, explanation }, validators);
}

export function curationDetail(db: Db, params: CurationDetailParams): CurationDetailResult {
  const detail = new CurationStore(db).detail(params.paperId) ?? null;
  if (!detail?.explanation) return { detail, validation: [] };
  const result = validation(params.paperId, detail.abstract, detail.explanation);
  return {
    detail,
    validation: Object.entries(result.byRule).map(([rule, passed]) => ({
      rule,
      passed,
      messages: result.errors.filter((e) => e.rule === rule).map((e) => e.message),
    })),
  };
}

export function curationDecide(db: Db, params: CurationDecideParams): CurationDecideResult {
  const curation = new CurationStore(db);
  if (params.decision === 'clear') {
    curation.clearDecision(params.paperId);
    return { stored: true, errors: [] };
  }
  const paper = new PaperStore(db).get(params.paperId);
  if (!paper) return { stored: false, errors: [`${params.paperId} is not in the database`] };
  if (params.decision === 'accept' && params.explanation !== null) {
    const result = validation(paper.id, paper.abstract, params.explanation);
    if (!result.ok) return { stored: false, errors: result.errors.map((e) => e.message) };
  }
  if (
    params.decision === 'accept' &&
    params.explanation === null &&
    !curation.detail(paper.id)?.explanation
  ) {
    return {
      stored: false,
      errors: ['there is no explanation to accept yet: run the teacher, or write one'],
    };
  }
  new SupervisionStore(db).decide({
    paperId: paper.id,
    decision: params.decision,
    explanation: params.decision === 'accept' ? params.explanation : null,
    note: params.note,
    decidedAt: isoNow(systemClock),
  });
  return { stored: true, errors: [] };
}

export function workspaceSummary(db: Db | undefined): WorkspaceSummary {
  if (!db) return { papers: 0, supervised: 0, accepted: 0, humanDecisions: 0 };
  const counts = new CurationStore(db).counts();
  const supervised = (db.prepare('SELECT count(*) AS n FROM supervision').get() as { n: number }).n;
  const humanDecisions = (db.prepare('SELECT count(*) AS n FROM human_decisions').get() as { n: number }).n;
  return {
    papers: counts.all,
    supervised,
    accepted: counts.accepted + counts['human-edited'],
    humanDecisions,
  };
}
