/**
 * The weights a fresh run starts from, per `model.init`: `scratch` builds the configured shape with the seeded
 * HF initialisation, `gpt2` downloads openai-community/gpt2 into the hub cache (once) and loads it, anything else
 * is a local Hugging Face GPT-2 folder. Every source is checked against what training needs: GPT-2's tokenizer
 * ids must fit the embedding, and the longest example must fit the positions.
 */
import { MiniAstroError } from '../../core/errors';
import type { TrainConfig } from '../config/trainConfig';
import { type Gpt2Config, gpt2Small, validateConfig } from '../model/config';
import { loadGpt2Folder } from '../model/hfFolder';
import { downloadHubRepo, type HubOptions } from '../model/hub';
import { initGpt2Weights } from '../model/init';
import type { Gpt2Weights } from '../model/weights';
import { EOS_ID } from '../tokenizer';

export interface InitialModel {
  config: Gpt2Config;
  weights: Gpt2Weights;
  /** 'scratch', 'gpt2' or the folder. */
  source: string;
}

/** The Gpt2Config of a scratch model of the configured shape (GPT-2's other settings, its EOS). */
export function scratchConfig(shape: TrainConfig['model']['config']): Gpt2Config {
  return validateConfig(
    { ...gpt2Small, ...shape, bosTokenId: EOS_ID, eosTokenId: EOS_ID },
    'model.config (scratch)',
  );
}

/** Throws when the tokenizer's ids or the data's lengths do not fit the model. */
export function checkModelFits(config: Gpt2Config, maxSeqLen: number, source: string): void {
  if (config.vocabSize <= EOS_ID) {
    throw new MiniAstroError(
      'badInput',
      `${source}: vocab_size ${config.vocabSize} cannot hold GPT-2's token ids (up to ${EOS_ID}).`,
      'Use a GPT-2 checkpoint with the 50257-token vocabulary.',
    );
  }
  if (maxSeqLen > config.nPositions) {
    throw new MiniAstroError(
      'badInput',
      `data.maxSeqLen ${maxSeqLen} exceeds the model's ${config.nPositions} positions (${source}).`,
      `Set data.maxSeqLen to at most ${config.nPositions}.`,
    );
  }
}

export async function initialModel(
  config: TrainConfig,
  options: { hub?: HubOptions; onNote?: (message: string) => void } = {},
): Promise<InitialModel> {
  const init = config.model.init;
  let model: InitialModel;
  if (init === 'scratch') {
    const gpt2 = scratchConfig(config.model.config);
    model = { config: gpt2, weights: initGpt2Weights(gpt2, { seed: config.seed }), source: 'scratch' };
  } else if (init === 'gpt2') {
    let announced = false;
    const download = await downloadHubRepo({
      ...options.hub,
      onProgress: (event) => {
        options.hub?.onProgress?.(event);
        if (!announced) {
          announced = true;
          options.onNote?.('Downloading openai-community/gpt2 into the model cache (once)...');
        }
      },
    });
    const loaded = loadGpt2Folder(download.dir);
    model = { config: loaded.config, weights: loaded.weights, source: 'gpt2' };
  } else {
    const loaded = loadGpt2Folder(init);
    model = { config: loaded.config, weights: loaded.weights, source: init };
  }
  checkModelFits(model.config, config.data.maxSeqLen, model.source);
  return model;
}
