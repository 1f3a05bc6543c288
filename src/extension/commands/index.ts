/**
 * Every command of the extension in one table, as factories over the shared services (the shape of
 * rust-analyzer's editors/code/src/main.ts). package.json's contributes.commands lists the same ids.
 */
import type { CommandFactory } from '../services';
import {
  addToDataset,
  explainAtCursor,
  explainInPanel,
  fetchMissingAbstract,
  regenerateWithTeacher,
  setApiKey,
} from './explainCommands';
import { fetchAbstractsCommand } from './fetchAbstracts';
import { importAbstractsCommand } from './importAbstracts';
import { runExperiment } from './runExperiment';
import { showDatabaseStatsCommand } from './showDatabaseStats';
import { exportDataset, importSample, runTeacher } from './supervise';
import {
  deleteRunFolder,
  explainWithCheckpoint,
  exportCheckpoint,
  openTrainingDashboard,
  refreshRuns,
  resumeTraining,
  stopTraining,
  trainStudent,
} from './trainingCommands';

export const commandTable: Record<string, CommandFactory> = {
  'miniastrolm.fetchAbstracts': (s) => fetchAbstractsCommand(s.runner),
  'miniastrolm.importAbstracts': (s) => importAbstractsCommand(s.runner),
  'miniastrolm.showDatabaseStats': (s) => showDatabaseStatsCommand(s.runner, s.log),
  'miniastrolm.explainAbstract': explainAtCursor,
  'miniastrolm.explainInPanel': explainInPanel,
  'miniastrolm.regenerateWithTeacher': regenerateWithTeacher,
  'miniastrolm.addToDataset': addToDataset,
  'miniastrolm.fetchMissingAbstract': fetchMissingAbstract,
  'miniastrolm.setApiKey': setApiKey,
  'miniastrolm.runTeacher': runTeacher,
  'miniastrolm.exportDataset': exportDataset,
  'miniastrolm.importSample': importSample,
  'miniastrolm.runExperiment': runExperiment,
  'miniastrolm.openWalkthrough': (s) => () => s.state.openWalkthrough(),
  'miniastrolm.refreshCuration': (s) => async () => {
    s.curation.refresh();
    await s.state.refresh();
  },
  'miniastrolm.trainStudent': trainStudent,
  'miniastrolm.resumeTraining': resumeTraining,
  'miniastrolm.openTrainingDashboard': openTrainingDashboard,
  'miniastrolm.stopTraining': stopTraining,
  'miniastrolm.runs.explainWith': explainWithCheckpoint,
  'miniastrolm.runs.export': exportCheckpoint,
  'miniastrolm.runs.delete': deleteRunFolder,
  'miniastrolm.runs.refresh': refreshRuns,
};
