/**
 * The graphs one training run needs, and the sessions over them: a fused step (loss + gradients + AdamW) when a
 * step is one micro-batch; a summed-loss/accumulating-gradient graph plus the AdamW graph when it is several; and
 * a forward-only summed loss for evaluation. The config's `optimizer.noDecay` decides which parameters decay
 * (the graph layer's default is the same rule with the shipped list; a different list builds the same fused step
 * with other flags). A LoRA run's graphs (TrainSessions with `adapters`) train only the adapters of graph/lora.ts;
 * the base weights are inputs fed the same tensors every run, with no gradient and no optimizer state. With LoRA
 * dropout the training graphs (fused step, gradients, micro-batches) also take the adapters' keep masks, which
 * the sessions draw for each micro-batch (dropoutFeeds); the evaluation graph never has them (no dropout in eval).
 */
import type * as ort from 'onnxruntime-node';
import { appliesWeightDecay, type Device } from '../config/trainConfig';
import type { Batch } from '../data/collator';
import { gradients } from '../graph/autodiff';
import { type Gpt2Shape, gpt2Params, type ParamSpec } from '../graph/gpt2';
import { Graph, type Value } from '../graph/ir';
import type { LoraShape } from '../graph/lora';
import { buildLossBody, buildLossGraph, type LossGraphOptions } from '../graph/loss';
import { ortTensor } from '../graph/session';
import { cpuThreads } from '../graph/threads';
import { adamW, buildAdamWGraph, buildTrainStepGraph, HYPERPARAMETERS } from '../graph/train_step';
import { AdamWPool } from './adamWPool';
import { batchFeeds } from './batchFeeds';
import { type DeviceSessionOptions, openDeviceSession } from './device';
import { DeviceCopier, releaseDeviceTensors } from './deviceTensors';
import { stateOutputNames } from './liveState';
import { LoraDropoutMasks } from './loraDropout';
import type { TensorMap } from './state';

const DTYPE = 'float32';

/** Every parameter with its decay flag from `noDecay` (see appliesWeightDecay). */
export function trainParamSpecs(cfg: Gpt2Shape, noDecay: readonly string[]): ParamSpec[] {
  return gpt2Params(cfg).map((s) => ({ ...s, decay: appliesWeightDecay(s.name, noDecay) }));
}

/** What a step graph holds beside the model's own parameters, and what its backward pass keeps. */
export interface StepGraphOptions {
  /** Train these adapters (their specs are `specs`) over a frozen base. */
  readonly lora?: LoraShape;
  /** With `lora`, above 0: the adapters' keep-mask inputs (LossGraphOptions.loraDropout). */
  readonly loraDropout?: number;
  /** LossGraphOptions.recomputeAttention. */
  readonly recomputeAttention?: boolean;
  /** LossGraphOptions.storeLogits. */
  readonly storeLogits?: boolean;
  /** LossGraphOptions.attentionBlocks (the evaluation graph uses it too). */
  readonly attentionBlocks?: number;
}

/** The loss-body options that a step's graphs share. */
function lossOptions(options: StepGraphOptions): Omit<LossGraphOptions, 'dtype' | 'reduction'> {
  return {
    recomputeAttention: options.recomputeAttention === true,
    storeLogits: options.storeLogits === true,
    attentionBlocks: options.attentionBlocks ?? 1,
    ...(options.lora ? { lora: options.lora, loraDropout: options.loraDropout ?? 0 } : {}),
  };
}

/**
 * buildTrainStepGraph with the decay flags of `specs`: the graph layer's own builder when they agree with its
 * defaults, else the same composition (loss body, gradients, AdamW) with these flags.
 */
export function buildFusedStepGraph(
  cfg: Gpt2Shape,
  specs: readonly ParamSpec[],
  options: StepGraphOptions = {},
): Graph {
  if (options.lora) return buildCustomStepGraph(cfg, specs, options);
  const defaults = gpt2Params(cfg);
  if (specs.every((s, i) => s.name === defaults[i]?.name && s.decay === defaults[i]?.decay)) {
    return buildTrainStepGraph(cfg, { dtype: DTYPE, ...lossOptions(options) });
  }
  return buildCustomStepGraph(cfg, specs, options);
}

/**
 * Loss, gradients of `specs` and AdamW over them (with `lora`: the adapters, `specs` being theirs). Exported for
 * the test that checks it equals buildTrainStepGraph when the flags agree.
 */
export function buildCustomStepGraph(
  cfg: Gpt2Shape,
  specs: readonly ParamSpec[],
  options: StepGraphOptions = {},
): Graph {
  const g = new Graph('gpt2_train_step');
  const { loss, count, params } = buildLossBody(g, cfg, {
    dtype: DTYPE,
    reduction: 'mean',
    ...lossOptions(options),
  });
  const values = specs.map((s) => params.get(s.name)!);
  const grads = gradients(loss, values);
  g.output(loss, 'loss');
  g.output(count, 'token_count');
  const hyper = Object.fromEntries(HYPERPARAMETERS.map((h) => [h, g.input(h, DTYPE, [])])) as Record<
    (typeof HYPERPARAMETERS)[number],
    Value
  >;
  const { gradNorm } = adamW(specs, values, grads, hyper);
  g.output(gradNorm, 'grad_norm');
  return g;
}

/** Forward only. Inputs: parameters, input_ids, labels. Outputs: loss (SUM over supervised tokens), token_count. */
export function buildEvalGraph(cfg: Gpt2Shape, lora?: LoraShape, attentionBlocks = 1): Graph {
  const g = new Graph('gpt2_eval_loss');
  const { loss, count } = buildLossBody(g, cfg, {
    dtype: DTYPE,
    reduction: 'sum',
    attentionBlocks,
    ...(lora ? { lora } : {}),
  });
  g.output(loss, 'loss');
  g.output(count, 'token_count');
  return g;
}

/** How a run's step graphs are built. */
export interface StepGraphChoices {
  /** The in-graph AdamW on the CPU too (tests: the GPUs' step path, run where CI can run it). */
  readonly graphOptimizer?: boolean;
  /** Recompute attention probabilities in the backward pass (TransformerOptions.recomputeAttention). */
  readonly recomputeAttention?: boolean;
  /** Keep the LM head's logits for the backward pass (LossGraphOptions.storeLogits). */
  readonly storeLogits?: boolean;
  /** Causal attention in this many query blocks (TransformerOptions.attentionBlocks); batch lengths divide. */
  readonly attentionBlocks?: number;
}

/** A LoRA run's adapter shape and frozen base weights (HF names). */
export interface FrozenBase {
  readonly lora: LoraShape;
  readonly weights: TensorMap;
  /** lora.dropout and the run seed its masks derive from (loraDropout.ts); absent or rate 0: no dropout. */
  readonly dropout?: { readonly rate: number; readonly seed: number };
}

/**
 * Sessions opened on first use: a run without accumulation never builds the micro-batch graphs. On device webgpu
 * the steps' new state and the micro-batches' gradients stay in GPU memory (DeviceSessionOptions.resident).
 */
export class TrainSessions {
  private readonly cache = new Map<string, Promise<ort.InferenceSession>>();
  /** Moves state between host and device memory (checkpoints read host arrays). */
  readonly copier: DeviceCopier;
  /**
   * CPU: the graphs return gradients and AdamW runs in place on the host state (hostAdamW.ts); the fused and
   * AdamW graphs are for GPUs, where the state stays in device memory.
   */
  readonly hostOptimizer: boolean;
  private readonly lora: LoraShape | undefined;
  /** The training graphs' dropout probability (0: built exactly as without dropout) and its mask source. */
  private readonly loraDropout: number;
  private readonly masks: LoraDropoutMasks | undefined;
  private readonly frozenHost: Record<string, ort.Tensor> = {};
  private frozen: Promise<Record<string, ort.Tensor>> | undefined;
  private pool: AdamWPool | undefined;

  constructor(
    readonly cfg: Gpt2Shape,
    readonly specs: readonly ParamSpec[],
    readonly device: Device,
    readonly options: DeviceSessionOptions = {},
    adapters?: FrozenBase,
    readonly choices: StepGraphChoices = {},
  ) {
    this.lora = adapters?.lora;
    const dropout = adapters?.dropout;
    this.loraDropout = dropout && dropout.rate > 0 ? dropout.rate : 0;
    this.masks =
      adapters && dropout && this.loraDropout > 0
        ? new LoraDropoutMasks(cfg, adapters.lora, dropout.rate, dropout.seed)
        : undefined;
    this.copier = new DeviceCopier(device);
    this.hostOptimizer = device === 'cpu' && choices.graphOptimizer !== true;
    if (adapters) {
      for (const p of gpt2Params(cfg)) {
        this.frozenHost[p.name] = ortTensor(DTYPE, adapters.weights.get(p.name)!, p.shape);
      }
    }
  }

  /**
   * The LoRA dropout masks of micro-batch `micro` (0-based) of 1-based step `step` ({} without dropout): host
   * tensors on every device (ORT copies them in), valid until the next call.
   */
  dropoutFeeds(step: number, micro: number, batch: Batch): Record<string, ort.Tensor> {
    return this.masks ? this.masks.feeds(step, micro, batch.batchSize, batch.seqLen) : {};
  }

  /** input_ids and labels of `batch` for these graphs (refused when its length does not divide into the blocks). */
  batchFeeds(batch: Batch): Record<string, ort.Tensor> {
    return batchFeeds(batch, this.choices.attentionBlocks);
  }

  /** The host optimizer's threads (CPU): as many lanes as ONNX Runtime has threads, idle while AdamW runs. */
  adamWPool(): AdamWPool {
    this.pool ??= new AdamWPool(this.options.intraOpThreads ?? cpuThreads());
    return this.pool;
  }

  /** Feeds of the frozen base weights (LoRA), uploaded to the GPU once where the device keeps memory; {} else. */
  frozenFeeds(): Promise<Record<string, ort.Tensor>> {
    this.frozen ??= this.copier.toDevice(this.frozenHost);
    return this.frozen;
  }

  private get(
    key: string,
    build: () => Graph,
    resident: readonly string[] = [],
  ): Promise<ort.InferenceSession> {
    let session = this.cache.get(key);
    if (!session) {
      session = openDeviceSession(build(), this.device, { ...this.options, resident });
      this.cache.set(key, session);
    }
    return session;
  }

  /** Opens the sessions a run with `microBatches` per step uses (so step times measure steps, not compiling). */
  async prepare(microBatches: number): Promise<void> {
    if (microBatches > 1) {
      await Promise.all([this.micro(false), this.micro(true), ...(this.hostOptimizer ? [] : [this.adamW()])]);
    } else if (this.hostOptimizer) await this.gradients();
    else await this.fused();
  }

  private stepGraphOptions(): StepGraphOptions {
    return {
      ...(this.choices.recomputeAttention ? { recomputeAttention: true } : {}),
      ...(this.choices.storeLogits ? { storeLogits: true } : {}),
      ...(this.choices.attentionBlocks ? { attentionBlocks: this.choices.attentionBlocks } : {}),
      ...(this.lora ? { lora: this.lora, loraDropout: this.loraDropout } : {}),
    };
  }

  /** Loss + gradients + AdamW in one run. */
  fused(): Promise<ort.InferenceSession> {
    return this.get(
      'fused',
      () => buildFusedStepGraph(this.cfg, this.specs, this.stepGraphOptions()),
      stateOutputNames(this.specs),
    );
  }

  /** Mean loss, its gradients (grad.<param>) and their sum of squares (grad_sq) of one batch: a CPU step. */
  gradients(): Promise<ort.InferenceSession> {
    return this.get(
      'gradients',
      () =>
        buildLossGraph(this.cfg, {
          dtype: DTYPE,
          reduction: 'mean',
          gradSquares: true,
          ...lossOptions(this.stepGraphOptions()),
        }).graph,
    );
  }

  /** Summed loss and gradients of one micro-batch; `accumulate` adds inputs acc.<param>. */
  micro(accumulate: boolean): Promise<ort.InferenceSession> {
    return this.get(
      accumulate ? 'micro-acc' : 'micro',
      () =>
        buildLossGraph(this.cfg, {
          dtype: DTYPE,
          reduction: 'sum',
          accumulate,
          ...lossOptions(this.stepGraphOptions()),
        }).graph,
      this.specs.map((s) => `grad.${s.name}`),
    );
  }

  adamW(): Promise<ort.InferenceSession> {
    return this.get('adamw', () => buildAdamWGraph(this.specs, DTYPE), stateOutputNames(this.specs));
  }

  evaluation(): Promise<ort.InferenceSession> {
    return this.get('eval', () => buildEvalGraph(this.cfg, this.lora, this.choices.attentionBlocks));
  }

  async release(): Promise<void> {
    const sessions = [...this.cache.values()];
    this.cache.clear();
    for (const s of sessions) await (await s).release();
    if (this.frozen) releaseDeviceTensors(Object.values(await this.frozen));
    await this.copier.release();
    await this.pool?.close();
    this.pool = undefined;
  }
}
