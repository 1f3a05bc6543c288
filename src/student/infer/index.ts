// Public surface of student inference: export folders, opening a model, greedy KV-cache decoding, logits
// processors, and the faithfulness/repetition marks on what the student wrote.

export {
  type DecodeOptions,
  type DecodeResult,
  type DecodeTimings,
  greedyDecode,
  type StopReason,
} from './decoder';
export { cacheName, decoderGraph, newRowsName } from './decoderGraph';
export { type ExplainOptions, type Explanation, explainAbstract } from './explain';
export {
  type ExportedFile,
  type ExportManifest,
  type ExportOptions,
  type ExportResult,
  type ExportSource,
  exportForInference,
  MANIFEST_FILE,
  MODEL_FILE,
  MODEL_FILES,
  readManifest,
  weightsSha256,
} from './export';
export {
  type FaithfulnessOptions,
  type FaithfulnessReport,
  faithfulnessMarks,
  type Mark,
  type MarkKind,
  wordsWithOffsets,
} from './faithfulness';
export { type FitOptions, fitPrompt, type GenerationFit } from './fit';
export { bindInputs, INFERENCE_OPSET, inferenceGraph, inferenceOnnx } from './graph';
export {
  type GraphWeights,
  graphWeightsFrom,
  graphWeightsFromOnnx,
  WEIGHT_FORMATS,
  type WeightFormat,
} from './graphWeights';
export { hfGraph, pastKeyValuesName, presentName } from './hfGraph';
export { type KvCache, KvModel, type KvModelOptions, type StepResult } from './kvModel';
export {
  argmax,
  bannedNgramTokens,
  type DecodeState,
  type LogitsProcessor,
  minNewTokens,
  noRepeatNgram,
  processorsFor,
  repetitionPenalty,
} from './logitsProcessors';
export {
  type InferenceModel,
  isExportFolder,
  kvModelFromWeights,
  type OpenOptions,
  openInferenceModel,
} from './open';
export { type RepetitionStats, repeatedSpans, repetitionStats } from './repetition';
