/** The experiments by name, and the one call that runs any of them: prepare, run, return the result. */
import {
  type ExperimentContext,
  type ExperimentName,
  type ExperimentOptions,
  type ExperimentResult,
  prepareExperiment,
} from '../experiment';
import { decoding } from './decoding';
import { eosAblation } from './eosAblation';
import { loraVsFull } from './loraVsFull';
import { memorize20 } from './memorize20';
import { overfit1 } from './overfit1';

export const EXPERIMENTS: Record<ExperimentName, (ctx: ExperimentContext) => Promise<ExperimentResult>> = {
  'overfit-1': overfit1,
  'memorize-20': memorize20,
  'eos-ablation': eosAblation,
  decoding,
  'lora-vs-full': loraVsFull,
};

export async function runExperiment(
  name: ExperimentName,
  options: ExperimentOptions,
): Promise<ExperimentResult> {
  return EXPERIMENTS[name](prepareExperiment(name, options));
}
