// Public face of the graph layer: build GPT-2 training and inference graphs as ONNX, run them in
// onnxruntime-node. Trainers and decoders import from here; the IR, rules and emitter stay swappable.

export { defineGrad, type GradContext, type GradRule, gradients } from './autodiff';
export { geluNew } from './composites/gelu';
export { layerNorm } from './composites/layerNorm';
export { chunkedLogSumExp, chunkRanges } from './composites/lmHead';
export { type Dim, evalDim, type Shape } from './dims';
export {
  checkShape,
  declareParams,
  type Gpt2Shape,
  gpt2Params,
  type KvPair,
  type ParamSpec,
  transformer,
} from './gpt2';
export { type ConstTensor, type DType, Graph, type TensorData, Value } from './ir';
export { buildLogitsGraph, type LogitsGraphOptions } from './logits';
export {
  BLOCK_MODULES,
  type BlockModule,
  declareLora,
  LORA_MASK,
  LORA_SCALING,
  type LoraMaskSpec,
  type LoraShape,
  loraMaskSpecs,
  loraParams,
  loraScaling,
  moduleDims,
  targetedModules,
  withLora,
} from './lora';
export {
  buildLossGraph,
  defaultVocabChunks,
  IGNORE_INDEX,
  type LossGraph,
  type LossGraphOptions,
  lmLoss,
} from './loss';
export { type EmitOptions, type Opset, opTypesOf, toOnnx } from './onnx';
export * as ops from './ops';
export { GraphError } from './registry';
export { openModel, openSession, ortTensor, type SessionOptions } from './session';
export { buildAdamWGraph, buildTrainStepGraph, HYPERPARAMETERS, type Hyperparameter } from './train_step';
