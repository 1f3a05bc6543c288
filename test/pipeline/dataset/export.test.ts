import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../../src/core/clock';
import { exportCurated, freezeEvalIds } from '../../../src/pipeline/dataset/export';
import { isEvalBySplit, splitPosition } from '../../../src/pipeline/dataset/split';
import { openDatabase } from '../../../src/pipeline/store/database';
import { PaperStore } from '../../../src/pipeline/store/papers';
import { SupervisionStore } from '../../../src/pipeline/store/supervision';
import { syntheticPapers } from '../../helpers/feeds';
import { tempDir } from '../../helpers/tmp';

function readJsonl(
  file: string,
): { id: string; accepted: boolean; target_explanation: string; judge_feedback: unknown }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

test('the split is a pure function of id and salt, near the asked fraction', () => {
  const ids = syntheticPapers(2000).map((p) => p.id);
  const evalShare = ids.filter((id) => isEvalBySplit(id, 0.1, 'salt')).length / ids.length;
  assert.ok(evalShare > 0.07 && evalShare < 0.13, String(evalShare));
  assert.equal(splitPosition('2501.00001', 'a'), splitPosition('2501.00001', 'a'));
  assert.notEqual(splitPosition('2501.00001', 'a'), splitPosition('2501.00001', 'b'));
});

test('export writes accepted rows in the curated schema; human decisions win; frozen eval ids never train', (t) => {
  const dir = tempDir(t);
  const db = openDatabase(path.join(dir, 'astro.db'));
  t.after(() => db.close());
  const papers = syntheticPapers(60);
  new PaperStore(db).upsertMany(papers, 'arxiv-api', 'now');
  const store = new SupervisionStore(db);
  papers.forEach((p, i) => {
    const status = i % 3 === 2 ? 'rejected' : 'accepted';
    store.setState({
      paperId: p.id,
      status,
      explanation: `Explanation ${i}.`,
      attempts: 1,
      reason: null,
      teacherCallId: null,
      judgeCallId: null,
      judgeFeedback: { scores: { overall: 80 } },
      updatedAt: 'now',
    });
  });
  // A person rejects paper 0 (accepted by the pipeline) and accepts paper 2 (rejected) with an edit.
  store.decide({
    paperId: papers[0]!.id,
    decision: 'reject',
    explanation: null,
    note: 'hallucinated a jet',
    decidedAt: 'now',
  });
  store.decide({
    paperId: papers[2]!.id,
    decision: 'accept',
    explanation: 'Edited by hand.',
    note: null,
    decidedAt: 'now',
  });
  // Frozen from a file: paper 1 must land in eval whatever the split says.
  freezeEvalIds(db, [papers[1]!.id], 'seed-eval.jsonl', systemClock);

  const out = path.join(dir, 'data', 'curated.jsonl');
  const result = exportCurated(db, { out, evalFraction: 0.2, salt: 's' }, systemClock);
  const train = readJsonl(out);
  const evalRows = readJsonl(result.evalOut);
  assert.equal(result.evalOut, path.join(dir, 'data', 'curated.eval.jsonl'));
  assert.equal(result.exported, 40); // 40 accepted − 1 human reject + 1 human accept
  assert.equal(train.length + evalRows.length, 40);
  assert.deepEqual(Object.keys(train[0]!), [
    'id',
    'title',
    'abstract',
    'target_explanation',
    'judge_feedback',
    'accepted',
  ]);
  const all = [...train, ...evalRows];
  assert.ok(!all.some((r) => r.id === papers[0]!.id));
  assert.equal(all.find((r) => r.id === papers[2]!.id)?.target_explanation, 'Edited by hand.');
  assert.ok(evalRows.some((r) => r.id === papers[1]!.id));
  assert.ok(!train.some((r) => r.id === papers[1]!.id));

  // Raising the eval fraction later moves more papers to eval, but never a frozen eval id back to training.
  const again = exportCurated(db, { out, evalFraction: 0, salt: 'other' }, systemClock);
  const evalAgain = new Set(readJsonl(again.evalOut).map((r) => r.id));
  for (const r of evalRows) assert.ok(evalAgain.has(r.id), `${r.id} stayed in eval`);
});
