// LoRA adapters on GPT-2's Conv1D layers (Hu et al. 2021; PEFT's LoraLayer): a targeted layer computes
//   y = x @ W + b + (alpha / rank) · ((x @ A) @ B),   A [in, r], B [r, out]
// with W and b frozen and only A and B trained. Adapters are graph inputs named '<module>.lora_A' and
// '<module>.lora_B' ('h.0.attn.c_attn.lora_A'). PEFT stores the same tensors as
// 'base_model.model.transformer.<module>.lora_A.weight' [r, in] and '...lora_B.weight' [out, r] (nn.Linear
// layout; GPT-2's Conv1D makes PEFT set fan_in_fan_out=True only for the base weight): ours are their transposes,
// and the merged weight W + (alpha / r)·A@B is PEFT's W + transpose(B_peft @ A_peft)·scaling.
// The scaling is a constant in the params map ('lora.scaling'), so `linear` in gpt2.ts needs one call and no
// extra argument; without adapters in the map it returns its input untouched.
// Training with dropout p (PEFT's lora_dropout) makes the adapter path see dropout(x):
//   y = x @ W + b + (alpha / rank) · ((dropout(x) @ A) @ B),   dropout(x) = x · mask / (1 - p)
// The keep masks are graph inputs '<module>.lora_dropout_mask' (bool [B, T, in]) drawn by the host
// (train/loraDropout.ts), so a step is a pure function of its inputs and a resumed run repeats exactly. Only the
// training graphs declare them; evaluation and inference graphs have none, which is dropout's eval mode.

import type { Dim } from './dims';
import type { Gpt2Shape, ParamSpec } from './gpt2';
import type { DType, Graph, Value } from './ir';
import * as o from './ops';
import { GraphError } from './registry';

export interface LoraShape {
  readonly rank: number;
  readonly alpha: number;
  /** Config names: c_attn, c_proj (both), c_fc, attn.c_proj, mlp.c_proj. */
  readonly targets: readonly string[];
}

/** The Conv1D modules of one block (suffixes after 'h.N.'), in HF order. */
export const BLOCK_MODULES = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;
export type BlockModule = (typeof BLOCK_MODULES)[number];

/** Key of the scaling constant in a params map. */
export const LORA_SCALING = 'lora.scaling';

/** Which block modules a target list covers; a target matches a module it equals or ends ('.'-separated). */
export function targetedModules(targets: readonly string[]): BlockModule[] {
  for (const t of targets) {
    if (!BLOCK_MODULES.some((m) => m === t || m.endsWith(`.${t}`))) {
      throw new GraphError(`LoRA target ${t} names no GPT-2 Conv1D module (${BLOCK_MODULES.join(', ')})`);
    }
  }
  return BLOCK_MODULES.filter((m) => targets.some((t) => m === t || m.endsWith(`.${t}`)));
}

/** [in, out] of a block module's Conv1D weight. */
export function moduleDims(cfg: Gpt2Shape, module: BlockModule): [number, number] {
  const C = cfg.nEmbd;
  if (module === 'attn.c_attn') return [C, 3 * C];
  if (module === 'attn.c_proj') return [C, C];
  if (module === 'mlp.c_fc') return [C, 4 * C];
  return [4 * C, C];
}

export function loraScaling(lora: LoraShape): number {
  return lora.alpha / lora.rank;
}

/** The adapters' parameters, block by block in HF order: A [in, r] then B [r, out]; both decay by default. */
export function loraParams(cfg: Gpt2Shape, lora: LoraShape): ParamSpec[] {
  if (!Number.isInteger(lora.rank) || lora.rank < 1) throw new GraphError(`LoRA rank ${lora.rank}`);
  const modules = targetedModules(lora.targets);
  const specs: ParamSpec[] = [];
  for (let i = 0; i < cfg.nLayer; i++) {
    for (const m of modules) {
      const [fanIn, fanOut] = moduleDims(cfg, m);
      specs.push(
        { name: `h.${i}.${m}.lora_A`, shape: [fanIn, lora.rank], decay: true },
        { name: `h.${i}.${m}.lora_B`, shape: [lora.rank, fanOut], decay: true },
      );
    }
  }
  return specs;
}

/** Suffix of a module's dropout keep-mask input ('h.0.attn.c_attn.lora_dropout_mask'). */
export const LORA_MASK = 'lora_dropout_mask';

/** A targeted module's dropout mask input: its graph name, layer, module and fan-in (the mask is [B, T, in]). */
export interface LoraMaskSpec {
  readonly name: string;
  readonly layer: number;
  readonly module: BlockModule;
  readonly fanIn: number;
}

/** One keep mask per targeted module of every layer, in loraParams' order. */
export function loraMaskSpecs(cfg: Gpt2Shape, lora: LoraShape): LoraMaskSpec[] {
  const modules = targetedModules(lora.targets);
  const specs: LoraMaskSpec[] = [];
  for (let layer = 0; layer < cfg.nLayer; layer++) {
    for (const module of modules) {
      specs.push({
        name: `h.${layer}.${module}.${LORA_MASK}`,
        layer,
        module,
        fanIn: moduleDims(cfg, module)[0],
      });
    }
  }
  return specs;
}

export function checkDropout(p: number): void {
  if (!(p >= 0 && p < 1)) throw new GraphError(`LoRA dropout ${p} is not a probability in [0, 1)`);
}

/**
 * Declares every adapter as a graph input of `dtype` into `params`, with the scaling constant. With `dropout`
 * p > 0 also every module's keep mask (bool [B, T, in]); the mask's 1 / (1 - p) is then folded into the scaling
 * constant, so it multiplies the B·T·r rank-r product instead of the B·T·in inputs (the same value as PEFT's
 * x·mask·(1/(1-p)) @ A, up to rounding).
 */
export function declareLora(
  g: Graph,
  cfg: Gpt2Shape,
  lora: LoraShape,
  dtype: DType,
  params: Map<string, Value>,
  dropout = 0,
  seqDim: Dim = 'T',
): void {
  checkDropout(dropout);
  for (const p of loraParams(cfg, lora)) params.set(p.name, g.input(p.name, dtype, p.shape));
  if (dropout > 0) {
    for (const m of loraMaskSpecs(cfg, lora))
      params.set(m.name, g.input(m.name, 'bool', ['B', seqDim, m.fanIn]));
  }
  params.set(LORA_SCALING, g.constant(dtype, loraScaling(lora) / (1 - dropout)));
}

/**
 * `y` (= x @ W + b of the module `prefix`) plus the module's adapter term when `params` holds one. The rank-r
 * product is scaled (B·T·r values) rather than the output (B·T·out). With a keep mask the adapter sees
 * Where(mask, x, 0): the same values and gradient as x times the float mask, without a float copy of the mask
 * [B, T, in] kept for the backward pass (only the bool input is).
 */
export function withLora(y: Value, x: Value, params: ReadonlyMap<string, Value>, prefix: string): Value {
  const a = params.get(`${prefix}.lora_A`);
  if (!a) return y;
  const b = params.get(`${prefix}.lora_B`);
  const scaling = params.get(LORA_SCALING);
  if (!b || !scaling) throw new GraphError(`${prefix}: lora_A without lora_B or the scaling`);
  const mask = params.get(`${prefix}.${LORA_MASK}`);
  return y.graph.scope('lora', () => {
    const input = mask ? o.where(mask, x, o.like(x, 0)) : x;
    return o.add(y, o.matmul(o.mul(o.matmul(input, a), scaling), b));
  });
}
