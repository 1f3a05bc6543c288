/**
 * Curation and supervision from the editor, in the real extension host: "Run teacher & judge" on a new batch made
 * from a filter (quick pick and input boxes, the key from SecretStorage), the Curation view driven with the mouse
 * and keys in its webview (search, select, accept, an edit the validators refuse and one they pass), its
 * statistics, "Export dataset", and the walkthrough's steps completed from real state. Screenshots of each.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CONTEXT_KEYS } from '../../../src/extension/workspaceState';
import type { SuiteContext } from './harness';
import { sleep } from './harness';

export async function curationSteps(s: SuiteContext): Promise<void> {
  const databasePath = path.join(s.params.workspace, '.miniastrolm', 'astro.db');
  const detail = async (paperId: string) =>
    (await s.api().request('curationDetail', { databasePath, paperId })).detail;

  await s.step(
    '"Run teacher & judge" on a new batch from a filter: progress, a summary, nothing lost',
    async () => {
      s.quickPickAnswers = ['New batch from a filter'];
      s.inputAnswers = ['he-sample', 'astro-ph.HE', '2'];
      await vscode.commands.executeCommand('miniastrolm.runTeacher');
      const summary = s.expectOne('info', /^Teacher & judge: 2 papers, \d+ accepted, \d+ rejected/);
      assert.match(summary, /\$\d+\.\d{4}/);
      const progress = s.result.progress.at(-1)!;
      assert.equal(progress.title, 'Teacher & judge: he-sample');
      assert.ok(
        progress.messages.some((m) => /^\d+\/2 papers, \d+ accepted, \$/.test(m)),
        progress.messages.join('|'),
      );
    },
  );

  await s.step(
    'the Curation view: search, select, accept with the "a" key — stored as a person\'s decision',
    async () => {
      await vscode.commands.executeCommand('miniastrolm.curation.focus');
      for (let i = 0; i < 50 && !s.api().services.curation.webviewView; i++) await sleep(100);
      assert.ok(s.api().services.curation.webviewView, 'the view was resolved');
      const before = await detail('bib:smith2020');
      assert.equal(
        before?.row.state,
        'validated',
        'the teacher explanation made in the panel awaits a verdict',
      );
      const shot = await s.screenshot({
        name: 'curation',
        webviewElement: 'rows',
        actions: [
          { fill: '#search', text: 'smith2020' },
          { waitFor: '#rows .row', text: 'smith2020' },
          { click: '#rows .row' },
          { waitFor: '#d-title', text: 'Dust rings' },
          { press: 'a', on: '#rows' },
          { waitFor: '#c-notice', text: 'Accepted bib:smith2020' },
        ],
      });
      assert.ok(shot.webview?.text.includes('bib:smith2020'), shot.webview?.text);
      const after = await detail('bib:smith2020');
      assert.equal(after?.row.state, 'accepted');
      assert.equal(after?.row.human, true);
    },
  );

  await s.step('an edit the validators refuse is not stored; one they pass is, as human-edited', async () => {
    const refused = await s.screenshot({
      name: 'curation-edit-refused',
      webviewElement: 'c-notice',
      actions: [
        { press: 'e', on: '#rows' },
        { fill: '#d-editor', text: 'Too short to be an explanation.' },
        { click: '#save' },
        { waitFor: '#c-notice', text: 'Not stored' },
      ],
    });
    assert.match(refused.webview?.text ?? '', /Not stored: .*word/i);
    assert.equal((await detail('bib:smith2020'))?.row.state, 'accepted', 'nothing changed');
    const current = (await detail('bib:smith2020'))!.explanation!;
    const edited = current.replace('Young stars', 'Newly formed stars');
    await s.screenshot({
      name: 'curation-edited',
      webviewElement: 'c-notice',
      actions: [
        { fill: '#d-editor', text: edited },
        { click: '#save' },
        { waitFor: '#c-notice', text: 'Accepted bib:smith2020' },
      ],
    });
    const after = await detail('bib:smith2020');
    assert.equal(after?.row.state, 'human-edited');
    assert.equal(after?.explanation, edited);
    assert.equal(after?.pipelineExplanation, current);
  });

  await s.step('the dataset statistics: words against the band, validators, states', async () => {
    const shot = await s.screenshot({
      name: 'curation-stats',
      webviewElement: 's-counts',
      actions: [{ fill: '#search', text: '' }, { click: '#stats summary' }, { waitFor: '#s-words .uplot' }],
    });
    assert.match(shot.webview?.text ?? '', /Edited: 1/);
  });

  await s.step('"Export dataset" writes the curated JSONL with the edited explanation', async () => {
    const out = path.join(s.params.workspace, 'data', 'curated.jsonl');
    s.saveAnswers = [vscode.Uri.file(out)];
    await vscode.commands.executeCommand('miniastrolm.exportDataset');
    s.expectOne('info', /^Exported \d+ training and \d+ evaluation rows to data\/curated\.jsonl\.$/);
    const rows = [out, out.replace(/\.jsonl$/, '.eval.jsonl')]
      .filter((f) => existsSync(f))
      .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { id: string; target_explanation: string });
    const row = rows.find((r) => r.id === 'bib:smith2020');
    assert.ok(row, JSON.stringify(rows.map((r) => r.id)));
    assert.match(row.target_explanation, /^Newly formed stars/);
  });

  await s.step('the walkthrough completes its steps from real state', async () => {
    await s.api().services.state.refresh();
    const values = s.api().services.state.values;
    for (const key of Object.values(CONTEXT_KEYS)) assert.equal(values.get(key), true, key);
    await vscode.commands.executeCommand('miniastrolm.openWalkthrough');
    await sleep(1500);
    await s.screenshot({ name: 'walkthrough' });
  });
}

/** "Run experiment" from the palette: overfit-1 on the tiny default, its report opened as a Markdown preview. */
export async function experimentSteps(s: SuiteContext): Promise<void> {
  await s.step('"Run experiment" runs overfit-1 and opens its report with the plots', async () => {
    s.quickPickAnswers = ['overfit-1'];
    await vscode.commands.executeCommand('miniastrolm.runExperiment');
    const text = s.expectOne(
      'info',
      /^Experiment overfit-1: PASS — report at \.miniastrolm\/runs\/overfit-1-[\w-]+\/report\.md\.$/,
    );
    const report = path.join(s.params.workspace, /report at (\S+report\.md)/.exec(text)![1]!);
    assert.ok(existsSync(report));
    assert.match(readFileSync(report, 'utf8'), /!\[[^\]]*\]\([^)]+\.png\)/, 'the report shows its plots');
    const progress = s.result.progress.at(-1)!;
    assert.equal(progress.title, 'Experiment overfit-1');
    assert.ok(
      progress.messages.some((m) => /^training: step \d+\/\d+, loss /.test(m)),
      progress.messages.join('|'),
    );
    await sleep(1500);
    await s.screenshot({ name: 'experiment-report' });
  });
}
