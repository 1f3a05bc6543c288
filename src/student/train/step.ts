/**
 * One optimizer step over the sessions of graphs.ts. Design goal: the only place that knows the graphs' input
 * and output names. On the CPU, the graphs return gradients and hostAdamW.ts updates the state in place (no
 * second copy of weights and moments). On a GPU, with one micro-batch, the fused session does loss, gradients and
 * AdamW in one run. With K,
 * each micro-batch's summed loss and gradients accumulate (the first session has no acc.* inputs, so no zero
 * tensors are ever built), then AdamW applies them scaled by 1 / (supervised tokens of all K micro-batches): the
 * step optimises the mean over every token in it, however the tokens fall into micro-batches. The state goes in
 * and comes out as a LiveState: on a GPU that keeps device memory (see liveState.ts), the weights, moments and
 * accumulated gradients never leave it; each input state is released once the run that consumed it is done.
 * A LoRA run with dropout feeds every micro-batch its keep masks, a function of (seed, step, micro-batch index)
 * (graphs.ts dropoutFeeds), so a step stays a pure function of its inputs.
 */
import type * as ort from 'onnxruntime-node';
import type { TrainConfig } from '../config/trainConfig';
import type { Batch } from '../data/collator';
import type { PlannedBatch } from '../data/order';
import type { ParamSpec } from '../graph/gpt2';
import { ortTensor } from '../graph/session';
import { releaseDeviceTensors } from './deviceTensors';
import { scalarOf } from './evaluate';
import type { TrainSessions } from './graphs';
import { LiveState } from './liveState';

export interface StepResult {
  state: LiveState;
  /** Mean loss over the step's supervised tokens. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Real (non-pad) tokens. */
  tokens: number;
  supervisedTokens: number;
  /** The step's last micro-batch (its `next` is the data position after the step). */
  last: PlannedBatch;
}

function float(value: number): ort.Tensor {
  return ortTensor('float32', Float32Array.of(value), []);
}

/** What a step's optimizer needs: the config's AdamW settings, this step's learning rate and 1-based number. */
export interface StepHyper {
  config: TrainConfig;
  lr: number;
  /** 1-based (AdamW's bias correction counts from 1). */
  step: number;
}

/** The optimizer's scalar inputs for 1-based step `step`. */
export function hyperFeeds(config: TrainConfig, lr: number, step: number): Record<string, ort.Tensor> {
  return {
    lr: float(lr),
    beta1: float(config.optimizer.betas[0]),
    beta2: float(config.optimizer.betas[1]),
    eps: float(config.optimizer.eps),
    weight_decay: float(config.optimizer.weightDecay),
    max_grad_norm: float(config.gradClip),
    step: float(step),
  };
}

function realTokens(batch: Batch): number {
  let n = 0;
  for (const m of batch.attentionMask) n += m;
  return n;
}

function nextBatch(batches: Iterator<PlannedBatch>): PlannedBatch {
  const next = batches.next();
  if (next.done) throw new Error('the batch stream ended');
  return next.value;
}

async function fusedStep(
  sessions: TrainSessions,
  specs: readonly ParamSpec[],
  state: LiveState,
  hyper: Record<string, ort.Tensor>,
  step: number,
  batches: Iterator<PlannedBatch>,
): Promise<StepResult> {
  const planned = nextBatch(batches);
  const session = await sessions.fused();
  const out = await session.run({
    ...state.paramFeeds(),
    ...(await sessions.frozenFeeds()),
    ...state.momentFeeds(),
    ...hyper,
    ...sessions.batchFeeds(planned.batch),
    ...sessions.dropoutFeeds(step, 0, planned.batch),
  });
  return {
    state: LiveState.fromOutputs(specs, out),
    loss: scalarOf(out['loss'], 'loss'),
    gradNorm: scalarOf(out['grad_norm'], 'grad_norm'),
    tokens: realTokens(planned.batch),
    supervisedTokens: scalarOf(out['token_count'], 'token_count'),
    last: planned,
  };
}

/** The gradients of a step's micro-batches: the last run's outputs (grad.<param> summed over all of them). */
interface GradientPass {
  out: ort.InferenceSession.OnnxValueMapType;
  lossSum: number;
  supervised: number;
  tokens: number;
  last: PlannedBatch;
}

/**
 * Runs K micro-batches of 1-based step `step`, each adding its gradients to the previous ones' (acc.<param> in,
 * grad.<param> out); a lone batch (K = 1) runs on `single`. Superseded device gradients are freed as it goes.
 */
async function gradientPass(
  sessions: TrainSessions,
  specs: readonly ParamSpec[],
  weights: Record<string, ort.Tensor>,
  step: number,
  batches: Iterator<PlannedBatch>,
  microBatches: number,
  single: () => Promise<ort.InferenceSession>,
): Promise<GradientPass> {
  let out: ort.InferenceSession.OnnxValueMapType = {};
  let acc: Record<string, ort.Tensor> = {};
  let lossSum = 0;
  let supervised = 0;
  let tokens = 0;
  let last = nextBatch(batches);
  for (let k = 0; k < microBatches; k++) {
    if (k > 0) last = nextBatch(batches);
    const session = microBatches === 1 ? await single() : await sessions.micro(k > 0);
    out = await session.run({
      ...weights,
      ...acc,
      ...sessions.batchFeeds(last.batch),
      ...sessions.dropoutFeeds(step, k, last.batch),
    });
    lossSum += scalarOf(out['loss'], 'loss');
    supervised += scalarOf(out['token_count'], 'token_count');
    tokens += realTokens(last.batch);
    releaseDeviceTensors(Object.values(acc));
    acc = {};
    for (const s of specs) acc[`acc.${s.name}`] = out[`grad.${s.name}`]!;
  }
  return { out, lossSum, supervised, tokens, last };
}

async function accumulatedStep(
  sessions: TrainSessions,
  specs: readonly ParamSpec[],
  state: LiveState,
  hyper: Record<string, ort.Tensor>,
  step: number,
  batches: Iterator<PlannedBatch>,
  microBatches: number,
): Promise<StepResult> {
  const weights = { ...state.paramFeeds(), ...(await sessions.frozenFeeds()) };
  const pass = await gradientPass(sessions, specs, weights, step, batches, microBatches, () =>
    sessions.micro(false),
  );
  const grads: Record<string, ort.Tensor> = {};
  for (const s of specs) grads[`grad.${s.name}`] = pass.out[`grad.${s.name}`]!;
  const session = await sessions.adamW();
  const out = await session.run({
    ...state.paramFeeds(),
    ...grads,
    ...state.momentFeeds(),
    ...hyper,
    grad_scale: float(1 / Math.max(pass.supervised, 1)),
  });
  releaseDeviceTensors(Object.values(grads));
  return {
    state: LiveState.fromOutputs(specs, out),
    loss: pass.supervised === 0 ? 0 : pass.lossSum / pass.supervised,
    gradNorm: scalarOf(out['grad_norm'], 'grad_norm'),
    tokens: pass.tokens,
    supervisedTokens: pass.supervised,
    last: pass.last,
  };
}

/**
 * CPU: the gradients of K micro-batches (one run when K = 1: the mean loss's gradients), then AdamW in place on
 * the host state. Returns the same LiveState, updated.
 */
async function hostStep(
  sessions: TrainSessions,
  specs: readonly ParamSpec[],
  state: LiveState,
  hyper: StepHyper,
  batches: Iterator<PlannedBatch>,
  microBatches: number,
): Promise<StepResult> {
  const weights = { ...state.paramFeeds(), ...(await sessions.frozenFeeds()) };
  const { out, lossSum, supervised, tokens, last } = await gradientPass(
    sessions,
    specs,
    weights,
    hyper.step,
    batches,
    microBatches,
    () => sessions.gradients(),
  );
  const grads = new Map(specs.map((s) => [s.name, out[`grad.${s.name}`]!.data as Float32Array]));
  const { config } = hyper;
  const { norm: gradNorm, moved } = await sessions
    .adamWPool()
    .step(specs, await state.toHost(sessions.copier), grads, {
      lr: hyper.lr,
      beta1: config.optimizer.betas[0],
      beta2: config.optimizer.betas[1],
      eps: config.optimizer.eps,
      weightDecay: config.optimizer.weightDecay,
      maxGradNorm: config.gradClip,
      step: hyper.step,
      // One micro-batch: the graph's loss is already the mean. K: summed, so divide by all K's supervised tokens.
      gradScale: microBatches === 1 ? 1 : 1 / Math.max(supervised, 1),
      ...(microBatches === 1 ? { gradSquares: scalarOf(out['grad_sq'], 'grad_sq') } : {}),
    });
  state.rebind(moved);
  return {
    state,
    loss: microBatches === 1 ? lossSum : supervised === 0 ? 0 : lossSum / supervised,
    gradNorm,
    tokens,
    supervisedTokens: supervised,
    last,
  };
}

/**
 * One optimizer step of `microBatches` micro-batches taken from `batches`. On a GPU, `state` is released when the
 * step succeeds (its device buffers are the step's inputs, superseded by the result); on a throw it is left
 * intact. On the CPU the state is updated in place and returned.
 */
export async function trainStep(
  sessions: TrainSessions,
  specs: readonly ParamSpec[],
  state: LiveState,
  hyper: StepHyper,
  batches: Iterator<PlannedBatch>,
  microBatches: number,
): Promise<StepResult> {
  if (sessions.hostOptimizer) return hostStep(sessions, specs, state, hyper, batches, microBatches);
  const feeds = hyperFeeds(hyper.config, hyper.lr, hyper.step);
  const result =
    microBatches === 1
      ? await fusedStep(sessions, specs, state, feeds, hyper.step, batches)
      : await accumulatedStep(sessions, specs, state, feeds, hyper.step, batches, microBatches);
  state.release();
  return result;
}
