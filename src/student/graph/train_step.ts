// One optimizer step as a graph: global-norm clipping and AdamW (torch semantics, decoupled weight decay)
// over every parameter, with every hyperparameter a scalar graph input so the schedule lives outside and one
// session serves the whole run. Two shapes of use:
//   buildTrainStepGraph: loss + gradients + AdamW in a single run (one micro-batch per step);
//   buildLossGraph({reduction: 'sum', accumulate: true}) per micro-batch, then buildAdamWGraph with
//   grad_scale = 1 / (total supervised tokens), so K micro-batches give exactly the mean over all tokens.
// State in: <param>, adam_m.<param>, adam_v.<param>; state out: new.<param>, new.adam_m.<param>, ... .

import { gradients } from './autodiff';
import type { Gpt2Shape, ParamSpec } from './gpt2';
import { gpt2Params } from './gpt2';
import { Graph, type Value } from './ir';
import { buildLossBody, type LossGraphOptions } from './loss';
import * as o from './ops';

/** Scalar inputs of every optimizer graph; `step` is the 1-based step count used for bias correction. */
export const HYPERPARAMETERS = [
  'lr',
  'beta1',
  'beta2',
  'eps',
  'weight_decay',
  'max_grad_norm',
  'step',
] as const;
export type Hyperparameter = (typeof HYPERPARAMETERS)[number] | 'grad_scale';

/** torch.nn.utils.clip_grad_norm_'s epsilon in max_norm / (norm + eps). */
const CLIP_EPS = 1e-6;

interface AdamWResult {
  readonly gradNorm: Value;
}

/**
 * Emits clipping and the AdamW update for `params` with gradients `grads` (already scaled to a mean), reading
 * m/v from inputs adam_m.<name>/adam_v.<name> and writing new.<name>, new.adam_m.<name>, new.adam_v.<name>.
 * Clipping is off when max_grad_norm ≤ 0. Returns the pre-clip global gradient norm.
 */
export function adamW(
  specs: readonly ParamSpec[],
  params: readonly Value[],
  grads: readonly Value[],
  hyper: Readonly<Record<(typeof HYPERPARAMETERS)[number], Value>>,
): AdamWResult {
  const g = params[0]!.graph;
  return g.scope('adamw', () => {
    const dtype = params[0]!.dtype;
    const one = g.constant(dtype, 1);
    const squares = grads.map((d) => o.reduceSumSquare(d, undefined, false));
    const gradNorm = o.sqrt(squares.reduce((a, b) => o.add(a, b)));
    const wanted = o.min(one, o.div(hyper.max_grad_norm, o.add(gradNorm, g.constant(dtype, CLIP_EPS))));
    const clip = o.where(o.greater(hyper.max_grad_norm, g.constant(dtype, 0)), wanted, one);
    // Per-step scalars, computed once: step size lr / (1 - β1^t), √(1 - β2^t), and the decay factor.
    const stepSize = o.div(hyper.lr, o.sub(one, o.pow(hyper.beta1, hyper.step)));
    const sqrtBc2 = o.sqrt(o.sub(one, o.pow(hyper.beta2, hyper.step)));
    const decay = o.sub(one, o.mul(hyper.lr, hyper.weight_decay));
    const oneMinusB1 = o.sub(one, hyper.beta1);
    const oneMinusB2 = o.sub(one, hyper.beta2);
    specs.forEach((spec, i) => {
      const p = params[i]!;
      const d = o.mul(grads[i]!, clip);
      const m = o.add(
        o.mul(hyper.beta1, g.input(`adam_m.${spec.name}`, dtype, spec.shape)),
        o.mul(oneMinusB1, d),
      );
      const v = o.add(
        o.mul(hyper.beta2, g.input(`adam_v.${spec.name}`, dtype, spec.shape)),
        o.mul(oneMinusB2, o.mul(d, d)),
      );
      const denom = o.add(o.div(o.sqrt(v), sqrtBc2), hyper.eps);
      const base = spec.decay ? o.mul(p, decay) : p;
      g.output(o.sub(base, o.mul(stepSize, o.div(m, denom))), `new.${spec.name}`);
      g.output(m, `new.adam_m.${spec.name}`);
      g.output(v, `new.adam_v.${spec.name}`);
    });
    return { gradNorm };
  });
}

function hyperInputs(g: Graph, dtype: 'float32' | 'float64') {
  return Object.fromEntries(HYPERPARAMETERS.map((h) => [h, g.input(h, dtype, [])])) as Record<
    (typeof HYPERPARAMETERS)[number],
    Value
  >;
}

/**
 * The optimizer alone. Inputs: <param>, grad.<param> (summed or mean), adam_m/adam_v.<param>, the
 * hyperparameters and grad_scale (multiplies the gradients first, e.g. 1 / supervised tokens).
 * Outputs: new.<param>, new.adam_m.<param>, new.adam_v.<param>, grad_norm (after scaling, before clipping).
 */
export function buildAdamWGraph(specs: readonly ParamSpec[], dtype: 'float32' | 'float64'): Graph {
  const g = new Graph('adamw');
  const params = specs.map((s) => g.input(s.name, dtype, s.shape));
  const scale = g.input('grad_scale', dtype, []);
  const grads = specs.map((s) => o.mul(g.input(`grad.${s.name}`, dtype, s.shape), scale));
  const { gradNorm } = adamW(specs, params, grads, hyperInputs(g, dtype));
  g.output(gradNorm, 'grad_norm');
  return g;
}

/**
 * Loss, gradients and the AdamW update in one run. Inputs: parameters, input_ids, labels, adam_m/adam_v,
 * hyperparameters. Outputs: loss, token_count, grad_norm, new.<param>, new.adam_m.<param>, new.adam_v.<param>.
 */
export function buildTrainStepGraph(
  cfg: Gpt2Shape,
  options: Omit<LossGraphOptions, 'reduction' | 'accumulate'>,
): Graph {
  const g = new Graph('gpt2_train_step');
  const { loss, count, params } = buildLossBody(g, cfg, { ...options, reduction: 'mean' });
  const specs = gpt2Params(cfg);
  const values = specs.map((s) => params.get(s.name)!);
  const grads = gradients(loss, values);
  g.output(loss, 'loss');
  g.output(count, 'token_count');
  const { gradNorm } = adamW(specs, values, grads, hyperInputs(g, options.dtype));
  g.output(gradNorm, 'grad_norm');
  return g;
}
