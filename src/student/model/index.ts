// Public surface of the GPT-2 weights layer: config, named tensors, init, safetensors, HF folders, hub downloads.

export { writeFileAtomic, writeTextAtomic } from './atomicFile';
export {
  configFromHfJson,
  configToHfJson,
  type Gpt2Activation,
  type Gpt2Config,
  generationConfigJson,
  gpt2Small,
  parameterCount,
  tinyGpt2Config,
  validateConfig,
} from './config';
export {
  CONFIG_FILE,
  GENERATION_CONFIG_FILE,
  type LoadedGpt2,
  type LoadOptions,
  loadGpt2Folder,
  type SaveOptions,
  saveGpt2Folder,
  WEIGHTS_FILE,
  WEIGHTS_INDEX_FILE,
} from './hfFolder';
export {
  DEFAULT_HUB_ENDPOINT,
  DEFAULT_HUB_REPO,
  downloadHubFile,
  downloadHubRepo,
  GPT2_OPTIONAL_FILES,
  GPT2_REQUIRED_FILES,
  type HubDownloadResult,
  type HubFileResult,
  type HubOptions,
  type HubProgress,
  hubCacheFolder,
} from './hub';
export { type InitOptions, initGpt2Weights, initRule } from './init';
export {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  adapterValues,
  hasLoraAdapters,
  type LoraAdapters,
  type LoraSettings,
  loadLoraAdapters,
  mergeLora,
  peftAdapterConfig,
  saveLoraAdapters,
} from './lora';
export { Xoshiro128 } from './random';
export {
  readSafetensors,
  readSafetensorsHeader,
  type SafetensorsContents,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type WritableDtype,
  writeSafetensors,
} from './safetensors';
export {
  elementCount,
  expectedShapes,
  type Gpt2Weights,
  normalizeHfNames,
  type Tensor,
  toHfCheckpointNames,
  validateWeights,
} from './weights';
