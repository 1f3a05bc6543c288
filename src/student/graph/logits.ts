// Inference graphs: logits of the last position (what a sampler needs) or of every position (for checks),
// optionally with a KV cache: inputs past.<i>.key/value [B, H, P, D], outputs present.<i>.key/value
// [B, H, P+T, D]; with P = 0 (empty tensors) the same graph encodes the prompt.

import { declareParams, type Gpt2Shape, type KvPair, transformer } from './gpt2';
import { SLICE_END } from './infer/tensor';
import { Graph } from './ir';
import { declareLora, type LoraShape } from './lora';
import * as o from './ops';

export interface LogitsGraphOptions {
  readonly dtype: 'float32' | 'float64';
  /** 'last': logits [B, V] of the final position; 'all': logits [B, T, V]. */
  readonly positions?: 'last' | 'all';
  readonly kvCache?: boolean;
  /** Unmerged LoRA adapters as extra inputs (lora.ts); an export merges them into the weights instead. */
  readonly lora?: LoraShape;
}

/** Inputs: parameters (HF names), input_ids [B, T] (+ cache). Outputs: logits (+ present.<i>.key/value). */
export function buildLogitsGraph(cfg: Gpt2Shape, options: LogitsGraphOptions): Graph {
  const g = new Graph('gpt2_logits');
  const params = declareParams(g, cfg, options.dtype);
  if (options.lora) declareLora(g, cfg, options.lora, options.dtype, params);
  const inputIds = g.input('input_ids', 'int64', ['B', 'T']);
  const D = cfg.nEmbd / cfg.nHead;
  const past: KvPair[] | undefined = options.kvCache
    ? Array.from({ length: cfg.nLayer }, (_, i) => ({
        key: g.input(`past.${i}.key`, options.dtype, ['B', cfg.nHead, 'P', D]),
        value: g.input(`past.${i}.value`, options.dtype, ['B', cfg.nHead, 'P', D]),
      }))
    : undefined;
  const { hidden, present } = transformer(cfg, params, inputIds, past);
  const wte = params.get('wte.weight')!;
  const logits =
    options.positions === 'all'
      ? o.matmul(hidden, o.transpose(wte, [1, 0]))
      : o.gemm(o.squeeze(o.slice(hidden, 1, -1, SLICE_END), [1]), wte, { transB: true });
  g.output(logits, 'logits');
  if (options.kvCache) {
    present.forEach((kv, i) => {
      g.output(kv.key, `present.${i}.key`);
      g.output(kv.value, `present.${i}.value`);
    });
  }
  return g;
}
