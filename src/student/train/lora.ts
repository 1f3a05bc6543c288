/**
 * What a LoRA run (lora.enabled) changes in training: the trainable parameters are the adapters of graph/lora.ts
 * (A [in, r] from a seeded kaiming-uniform, B = 0, so step 0 is the base model exactly, as PEFT initialises
 * them), the base weights are frozen graph inputs (no gradients, no AdamW moments: the memory win), and a
 * checkpoint holds the base model plus the adapters (PEFT layout, model/lora.ts) and their moments. With
 * lora.dropout p > 0 the training steps drop the adapters' inputs with seeded masks (loraDropout.ts). A resume
 * must continue the same kind of run with the same adapters and dropout; anything else is refused by name.
 */
import { MiniAstroError } from '../../core/errors';
import { appliesWeightDecay, type TrainConfig } from '../config/trainConfig';
import type { Gpt2Shape, ParamSpec } from '../graph/gpt2';
import { type LoraShape, loraParams, targetedModules } from '../graph/lora';
import { type Gpt2Config, parameterCount } from '../model/config';
import { type LoraSettings, mergeLora } from '../model/lora';
import { hashString, Xoshiro128 } from '../model/random';
import type { Gpt2Weights } from '../model/weights';
import type { LoadedCheckpoint, TrainerState } from './checkpoint';
import { elementsOf, type TensorMap, weightsOf } from './state';

/** The run's adapter settings (with its dropout probability), or null for full fine-tuning. */
export function loraOf(config: TrainConfig): LoraSettings | null {
  const l = config.lora;
  if (!l.enabled) return null;
  // The YAML reader caps it at 0.9; a config built in code gets the same check (p = 1 would divide by zero).
  if (!(l.dropout >= 0 && l.dropout < 1)) {
    throw new MiniAstroError(
      'usage',
      `lora.dropout ${l.dropout} is not a dropout probability in [0, 1).`,
      'Set lora.dropout: 0 for no dropout, or a small probability such as 0.05 or 0.1 (as PEFT configs use).',
    );
  }
  targetedModules(l.targets);
  return { rank: l.rank, alpha: l.alpha, targets: [...l.targets], dropout: l.dropout };
}

/** The adapters with the config's decay rule (names like h.0.attn.c_attn.lora_A decay unless listed). */
export function loraTrainSpecs(cfg: Gpt2Shape, lora: LoraShape, noDecay: readonly string[]): ParamSpec[] {
  return loraParams(cfg, lora).map((s) => ({ ...s, decay: appliesWeightDecay(s.name, noDecay) }));
}

/**
 * Fresh adapters: B = 0; A ~ U(-1/√in, 1/√in), which is torch's kaiming_uniform_(a=√5) on PEFT's A [r, in]
 * (gain √(1/3), bound gain·√3/√fan_in). Each tensor draws from its own stream (seed, hash of its name).
 */
export function initLoraAdapters(specs: readonly ParamSpec[], seed: number): TensorMap {
  const out: TensorMap = new Map();
  for (const s of specs) {
    const data = new Float32Array(elementsOf(s));
    if (s.name.endsWith('.lora_A')) {
      const bound = 1 / Math.sqrt(s.shape[0]!);
      const rng = new Xoshiro128(seed, hashString(s.name));
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.nextFloat() - 1) * bound;
    }
    out.set(s.name, data);
  }
  return out;
}

export function tensorMapOf(weights: Gpt2Weights): TensorMap {
  return new Map([...weights].map(([name, t]) => [name, t.data]));
}

/** A checkpoint written before dropout existed recorded none: it trained with 0. */
const dropoutOf = (l: LoraSettings) => l.dropout ?? 0;

const describe = (l: LoraSettings, withDropout = dropoutOf(l) > 0) =>
  `rank ${l.rank}, alpha ${l.alpha}, targets [${l.targets.join(', ')}]${withDropout ? `, dropout ${dropoutOf(l)}` : ''}`;

/** Why `config` cannot resume the checkpoint `dir` (saved with `saved`), or null when the LoRA side agrees. */
export function loraResumeMismatch(
  dir: string,
  saved: TrainerState,
  config: TrainConfig,
): MiniAstroError | null {
  const before = saved.lora ?? null;
  const now = config.lora.enabled
    ? {
        rank: config.lora.rank,
        alpha: config.lora.alpha,
        targets: [...config.lora.targets],
        dropout: config.lora.dropout,
      }
    : null;
  const start = `a new run in another --out folder with model.init: ${dir}`;
  if (before && !now) {
    return new MiniAstroError(
      'usage',
      `Cannot resume ${dir}: it is a LoRA run (${describe(before)}), and the config asks for full fine-tuning ` +
        '(lora.enabled: false).',
      `Set lora back to the run's settings to resume it; to fully fine-tune its merged weights, start ${start}.`,
    );
  }
  if (!before && now) {
    return new MiniAstroError(
      'usage',
      `Cannot resume ${dir}: it is a full fine-tuning run (it has no adapters), and the config asks for LoRA ` +
        '(lora.enabled: true).',
      `Set lora.enabled: false to resume it, or train LoRA adapters on its weights: start ${start}.`,
    );
  }
  // Dropout is part of the adapters' identity here: another p draws other masks, so the continuation would not
  // be the run the checkpoint belongs to (the same reason any trajectory setting must match).
  if (before && now && describe(before, true) !== describe(now, true)) {
    const withDropout = dropoutOf(before) > 0 || dropoutOf(now) > 0;
    return new MiniAstroError(
      'usage',
      `Cannot resume ${dir}: its LoRA adapters are ${describe(before, withDropout)}; the config asks for ` +
        `${describe(now, withDropout)}.`,
      `Resume with the adapters' settings, or start ${start} (the adapters are merged into its weights).`,
    );
  }
  return null;
}

/** One line for the run's start: what trains and how much of the model that is. */
export function loraNote(lora: LoraSettings, specs: readonly ParamSpec[], gpt2: Gpt2Config): string {
  const trainable = specs.reduce((n, s) => n + elementsOf(s), 0);
  const total = parameterCount(gpt2);
  return (
    `LoRA ${describe(lora)}: ${trainable} trainable parameters (${((100 * trainable) / total).toFixed(2)}% of ` +
    `the ${total} base weights, which are frozen: no gradients, no AdamW moments).`
  );
}

/** The weights a checkpoint stands for: its own for full fine-tuning, the base with merged adapters for LoRA. */
export function checkpointWeights(saved: LoadedCheckpoint): TensorMap {
  if (!saved.lora || !saved.base) return saved.state.params;
  const adapters = weightsOf(loraParams(saved.config, saved.lora), saved.state.params);
  return tensorMapOf(mergeLora(saved.base, { settings: saved.lora, tensors: adapters }));
}
