// The GPT-2 training objective and its gradient graph: next-token cross-entropy over supervised positions
// (HF convention: labels -100 are ignored; the shift by one happens here, inside the graph), with the tied LM
// head computed through chunkedLogSumExp so [N, V] logits never exist whole.
//   nll_n = logsumexp_v(h_n·w_v) - h_n·w_{y_n}      for each of the N = B·(T-1) predicting positions
//   loss  = Σ_valid nll_n / max(count, 1)            ('mean'), or the plain sum ('sum', for accumulation)
// A batch with nothing supervised gives loss 0 and zero gradients, never 0/0.

import { gradients } from './autodiff';
import { blockedSeqDim } from './causalBlocks';
import { chunkedLogSumExp } from './composites/lmHead';
import { declareParams, type Gpt2Shape, gpt2Params, type ParamSpec, transformer } from './gpt2';
import { SLICE_END } from './infer/tensor';
import { Graph, type Value } from './ir';
import { declareLora, type LoraShape, loraParams } from './lora';
import * as o from './ops';

export const IGNORE_INDEX = -100;

export interface LmLoss {
  /** Σ over supervised positions of the token loss (scalar). */
  readonly sum: Value;
  /** Number of supervised positions (int64 scalar). */
  readonly count: Value;
}

/** Next-token loss of hidden states [B, T, C] against labels [B, T] with the LM head tied to `wte` [V, C]. */
export function lmLoss(
  hidden: Value,
  labels: Value,
  wte: Value,
  vocabChunks: number,
  storeLogits = false,
): LmLoss {
  const g = hidden.graph;
  return g.scope('loss', () => {
    const C = hidden.shape[2] as number;
    // Position t predicts label t+1: drop the last hidden state and the first label.
    const h = o.reshape(o.slice(hidden, 1, 0, -1), [-1, C]); // [N, C]
    const y = o.reshape(o.slice(labels, 1, 1, SLICE_END), [-1]); // [N]
    const valid = o.not(o.equal(y, g.constant('int64', IGNORE_INDEX)));
    const target = o.where(valid, y, g.constant('int64', 0));
    const lse = chunkedLogSumExp(h, wte, vocabChunks, storeLogits);
    const targetLogit = o.reduceSum(o.mul(h, o.gather(wte, target)), [1], false);
    // Where (not a multiply by the mask) so a non-finite value at an ignored position cannot leak in.
    const nll = o.where(valid, o.sub(lse, targetLogit), o.like(lse, 0));
    return {
      sum: o.reduceSum(nll, undefined, false),
      count: o.reduceSum(o.cast(valid, 'int64'), undefined, false),
    };
  });
}

export interface LossGraphOptions {
  readonly dtype: 'float32' | 'float64';
  /** Vocabulary slices for the LM head (memory ≈ N·V/chunks per slice). Default: about 2k rows each. */
  readonly vocabChunks?: number;
  /** 'mean' divides by the supervised count; 'sum' leaves that to the optimizer step (accumulation). */
  readonly reduction?: 'mean' | 'sum';
  /** Adds inputs 'acc.<param>' and outputs grad = acc + this batch's gradient (micro-batch accumulation). */
  readonly accumulate?: boolean;
  /** LoRA adapters (lora.ts) as extra inputs; gradients are then the adapters' only (the base is frozen). */
  readonly lora?: LoraShape;
  /**
   * With `lora`: the training dropout probability of the adapters' input (PEFT's lora_dropout). Above 0 the graph
   * takes a keep mask per targeted module ('<module>.lora_dropout_mask', bool [B, T, in]; lora.ts); 0 or absent
   * builds exactly the graph without dropout (no mask inputs), as evaluation wants.
   */
  readonly loraDropout?: number;
  /**
   * Adds output 'grad_sq', the sum of squares of every output gradient: clipping's global norm, computed by ORT's
   * threads while the gradients are in cache, so the host optimizer makes one pass over memory, not two.
   */
  readonly gradSquares?: boolean;
  /** See TransformerOptions.recomputeAttention. */
  readonly recomputeAttention?: boolean;
  /**
   * Keep the LM head's logits ([N, V] in chunks, V·4 bytes a token) for the backward pass instead of recomputing
   * them there (composites/lmHead.ts): one GEMM of three fewer in the head's gradient. Only for graphs that
   * differentiate the loss; a forward-only graph keeps its chunks' lean, ordered schedule without it.
   */
  readonly storeLogits?: boolean;
  /**
   * TransformerOptions.attentionBlocks: with n > 1 the sequence axis of input_ids, labels (and the LoRA masks) is
   * declared 'n*Tb', and a batch's length must be a multiple of n.
   */
  readonly attentionBlocks?: number;
}

export interface LossGraph {
  readonly graph: Graph;
  readonly params: ParamSpec[];
}

/**
 * ~2k vocabulary rows per chunk: at 50257 × 2046 tokens the loss+gradient graph peaked at 1468 MiB with one
 * chunk, 435 MiB with 6 and 291 MiB with 24, and ran faster with small chunks (they stay in cache).
 */
export function defaultVocabChunks(vocabSize: number): number {
  return Math.max(1, Math.ceil(vocabSize / 2048));
}

/** Declares parameters, input_ids and labels, and computes the loss and count (shared with train_step.ts). */
export function buildLossBody(
  g: Graph,
  cfg: Gpt2Shape,
  options: LossGraphOptions,
): { loss: Value; count: Value; params: Map<string, Value> } {
  const params = declareParams(g, cfg, options.dtype);
  const blocks = options.attentionBlocks ?? 1;
  const seq = blockedSeqDim(blocks);
  if (options.lora) declareLora(g, cfg, options.lora, options.dtype, params, options.loraDropout ?? 0, seq);
  const inputIds = g.input('input_ids', 'int64', ['B', seq]);
  const labels = g.input('labels', 'int64', ['B', seq]);
  const { hidden } = transformer(cfg, params, inputIds, undefined, {
    recomputeAttention: options.recomputeAttention === true,
    attentionBlocks: blocks,
  });
  const chunks = options.vocabChunks ?? defaultVocabChunks(cfg.vocabSize);
  const { sum, count } = lmLoss(
    hidden,
    labels,
    params.get('wte.weight')!,
    chunks,
    options.storeLogits === true,
  );
  const countF = o.cast(count, options.dtype);
  const loss = options.reduction === 'sum' ? sum : o.div(sum, o.max(countF, o.like(countF, 1)));
  return { loss, count, params };
}

/**
 * Inputs: every parameter (HF names), input_ids [B, T], labels [B, T] (and acc.<param> when accumulating; the
 * LoRA dropout masks with `loraDropout`). Outputs: loss, token_count (int64), grad.<param> for every parameter
 * (with `lora`: for every adapter).
 */
export function buildLossGraph(cfg: Gpt2Shape, options: LossGraphOptions): LossGraph {
  const g = new Graph('gpt2_loss');
  const { loss, count, params } = buildLossBody(g, cfg, options);
  const specs = options.lora ? loraParams(cfg, options.lora) : gpt2Params(cfg);
  const grads = gradients(
    loss,
    specs.map((s) => params.get(s.name)!),
  );
  g.output(loss, 'loss');
  g.output(count, 'token_count');
  const outs = specs.map((s, i) => {
    const d = options.accumulate
      ? o.add(g.input(`acc.${s.name}`, options.dtype, s.shape), grads[i]!)
      : grads[i]!;
    g.output(d, `grad.${s.name}`);
    return d;
  });
  if (options.gradSquares) {
    g.output(
      outs.map((d) => o.reduceSumSquare(d, undefined, false)).reduce((a, b) => o.add(a, b)),
      'grad_sq',
    );
  }
  return { graph: g, params: specs };
}
