/**
 * "Add to dataset" from the editor: an explanation a person approves (the student's, or one they edited) is
 * checked by the v1 validators and, when it passes, stored as that person's decision, which the curated export
 * prefers over the pipeline's own rows. One that fails the contract is not stored, and the failures say why.
 */
import { isoNow, systemClock } from '../core/clock';
import { loadPipelineConfig } from '../pipeline/config/pipelineConfig';
import { PaperStore } from '../pipeline/store/papers';
import { SupervisionStore } from '../pipeline/store/supervision';
import { paperFromDocument } from '../pipeline/supervise/explainPaper';
import { validateExplanation } from '../pipeline/validate/validate';
import type { AddToDatasetParams, AddToDatasetResult } from './protocol';
import type { Databases } from './resources';

export function addToDataset(params: AddToDatasetParams, databases: Databases): AddToDatasetResult {
  const paper = paperFromDocument({ ...params.paper, abstract: params.abstract });
  const db = databases.get(params.databasePath);
  const papers = new PaperStore(db);
  const stored = papers.get(paper.id);
  const abstract = stored?.abstract ?? paper.abstract;
  const { validators } = loadPipelineConfig();
  const verdict = validateExplanation(
    { id: paper.id, expectedId: paper.id, abstract, explanation: params.explanation },
    validators,
  );
  if (!verdict.ok) return { paperId: paper.id, errors: verdict.errors.map((e) => e.message), added: false };
  const now = isoNow(systemClock);
  db.transaction(() => {
    if (!stored) papers.upsertMany([paper], 'editor', now);
    new SupervisionStore(db).decide({
      paperId: paper.id,
      decision: 'accept',
      explanation: params.explanation,
      note: params.note,
      decidedAt: now,
    });
  })();
  return { paperId: paper.id, errors: [], added: true };
}
