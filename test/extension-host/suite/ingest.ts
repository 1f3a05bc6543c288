/**
 * Ingest from the editor, in the real extension host: import the bundled sample through the file dialog, fetch
 * from the (loopback) arXiv API through two input boxes, database statistics, and a Node.js setting that cannot run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { escapeRegExp, type SuiteContext } from './harness';

export async function importSampleStep(s: SuiteContext): Promise<void> {
  await s.step(
    '"Import abstracts file" imports the bundled Atom sample into the workspace database',
    async () => {
      s.dialogAnswers = [[vscode.Uri.file(s.params.sampleFile)]];
      await vscode.commands.executeCommand('miniastrolm.importAbstracts');
      const { imported, skipped } = s.params.sampleImport;
      s.expectOne('info', `Imported ${imported} papers (${skipped} records skipped).`);
      assert.equal(s.result.progress.at(-1)?.title, 'Importing abstracts');
    },
  );
}

export async function ingestSteps(s: SuiteContext): Promise<void> {
  const database = path.join(s.params.workspace, '.miniastrolm', 'astro.db');
  await s.step('"Show database statistics" counts the papers and names the database', async () => {
    await vscode.commands.executeCommand('miniastrolm.showDatabaseStats');
    s.expectOne('info', new RegExp(`^\\d+ papers in ${escapeRegExp(database)}\\.$`));
  });

  await s.step(
    '"Fetch arXiv abstracts" asks for a query and a count, then fetches from the configured API',
    async () => {
      const { query, max } = s.params.fetch;
      s.inputAnswers = [query, String(max)];
      const before = s.inputOptions.length;
      await vscode.commands.executeCommand('miniastrolm.fetchAbstracts');
      assert.equal(s.inputOptions.length - before, 2);
      const validate = s.inputOptions.at(-1)!.validateInput!;
      for (const bad of ['0', 'abc', '30001', '2.5']) assert.ok(await validate(bad), `"${bad}" is accepted`);
      assert.equal(await validate(String(max)), null);
      s.expectOne(
        'info',
        `Fetched ${s.params.fetch.papers} abstracts (${s.params.fetch.papers} new, 0 updated).`,
      );
      const progress = s.result.progress.at(-1)!;
      assert.equal(progress.title, `arXiv: ${query}`);
    },
  );

  await s.step(
    'a miniastrolm.nodePath that cannot run is named in a warning, and a Node.js that can is used',
    async () => {
      await s.config().update('nodePath', '/nonexistent/node', vscode.ConfigurationTarget.Workspace);
      try {
        await vscode.commands.executeCommand('miniastrolm.showDatabaseStats');
        const got = s.messages();
        const warning = got.find((m) => m.kind === 'warning');
        assert.ok(warning, JSON.stringify(got));
        assert.match(warning.text, /miniastrolm\.nodePath \(\/nonexistent\/node\) is not used/);
        assert.ok(
          got.some((m) => m.kind === 'info' && /papers in /.test(m.text)),
          JSON.stringify(got),
        );
      } finally {
        await s.config().update('nodePath', undefined, vscode.ConfigurationTarget.Workspace);
      }
    },
  );
}
