/**
 * LoRA adapters on disk in PEFT's layout, and merging them into GPT-2's weights. A folder holding
 * `adapter_config.json` + `adapter_model.safetensors` beside a GPT-2 model is a LoRA model: loading it for
 * inference, export, evaluation or as a starting point merges W' = W + (alpha / r)·A@B, so everything downstream
 * sees plain GPT-2. PEFT's tensors are 'base_model.model.transformer.h.N.<module>.lora_A.weight' [r, in] and
 * '...lora_B.weight' [out, r] (nn.Linear layout); ours, in memory and in graphs, are 'h.N.<module>.lora_A'
 * [in, r] and 'h.N.<module>.lora_B' [r, out] (Conv1D layout, x @ A @ B): the transposes. Transposing float32 is
 * exact, so a save/load round trip is bit-for-bit.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, MiniAstroError } from '../../core/errors';
import { writeTextAtomic } from './atomicFile';
import type { Gpt2Config } from './config';
import { readSafetensors, writeSafetensors } from './safetensors';
import { elementCount, expectedShapes, type Gpt2Weights, type Tensor } from './weights';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

export interface LoraSettings {
  rank: number;
  alpha: number;
  /** PEFT's target_modules (suffix match on module names): c_attn, c_proj, c_fc, attn.c_proj, mlp.c_proj. */
  targets: string[];
  /**
   * PEFT's lora_dropout: the training run's dropout on the adapters' input (absent: 0). Written to
   * adapter_config.json as a record; reading and merging adapters ignore it (dropout is off outside training).
   */
  dropout?: number;
}

export interface LoraAdapters {
  settings: LoraSettings;
  /** Our names and layout: 'h.0.attn.c_attn.lora_A' [in, r], '...lora_B' [r, out]. */
  tensors: Map<string, Tensor>;
}

const PEFT_PREFIX = 'base_model.model.transformer.';
const OUR_NAME = /^(h\.\d+\.(?:attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj))\.lora_([AB])$/;
const PEFT_NAME =
  /^base_model\.model\.(?:transformer\.)?(h\.\d+\.(?:attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj))\.lora_([AB])\.weight$/;

export function hasLoraAdapters(dir: string): boolean {
  return existsSync(path.join(dir, ADAPTER_CONFIG_FILE));
}

function transposed(t: Tensor): Tensor {
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = t.data[i * cols + j]!;
  return { shape: [cols, rows], data: out };
}

/** PEFT's adapter_config.json for our settings (a LoRA on GPT2LMHeadModel, as `save_pretrained` writes it). */
export function peftAdapterConfig(settings: LoraSettings, baseModel: string | null): Record<string, unknown> {
  return {
    alpha_pattern: {},
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: true,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: settings.alpha,
    lora_dropout: settings.dropout ?? 0,
    modules_to_save: null,
    peft_type: 'LORA',
    r: settings.rank,
    rank_pattern: {},
    revision: null,
    target_modules: settings.targets,
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: false,
  };
}

/** Writes adapter_model.safetensors (PEFT names and layout), then adapter_config.json; returns the paths. */
export function saveLoraAdapters(dir: string, adapters: LoraAdapters, baseModel: string | null): string[] {
  const tensors: [string, Tensor][] = [];
  for (const [name, tensor] of adapters.tensors) {
    const match = OUR_NAME.exec(name);
    if (!match) throw new Error(`saveLoraAdapters: ${name} is not an adapter name`);
    tensors.push([`${PEFT_PREFIX}${match[1]}.lora_${match[2]}.weight`, transposed(tensor)]);
  }
  const weightsFile = path.join(dir, ADAPTER_WEIGHTS_FILE);
  writeSafetensors(weightsFile, tensors);
  const configFile = path.join(dir, ADAPTER_CONFIG_FILE);
  writeTextAtomic(
    configFile,
    `${JSON.stringify(peftAdapterConfig(adapters.settings, baseModel), null, 2)}\n`,
  );
  return [weightsFile, configFile];
}

const HINT =
  'A LoRA folder holds adapter_config.json and adapter_model.safetensors as PEFT saves them for GPT-2 (plain ' +
  'LoRA: no DoRA, rsLoRA, rank/alpha patterns or modules_to_save). Remove both files to use the base model alone.';

function bad(where: string, what: string, cause?: unknown): MiniAstroError {
  return new MiniAstroError(
    'badInput',
    `${where}: ${what}`,
    HINT,
    cause === undefined ? undefined : { cause },
  );
}

function readSettings(file: string): LoraSettings {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw bad(file, `cannot read it (${describeError(error)})`, error);
  }
  if (typeof raw !== 'object' || raw === null || raw['peft_type'] !== 'LORA')
    throw bad(file, 'peft_type is not LORA');
  const rank = raw['r'];
  const alpha = raw['lora_alpha'];
  if (!Number.isInteger(rank) || (rank as number) < 1) throw bad(file, `r must be a positive integer`);
  if (typeof alpha !== 'number' || !(alpha > 0)) throw bad(file, 'lora_alpha must be a number > 0');
  const empty = (v: unknown) =>
    v === undefined || v === null || (typeof v === 'object' && Object.keys(v as object).length === 0);
  for (const flag of ['use_rslora', 'use_dora'])
    if (raw[flag] === true) throw bad(file, `${flag} is not supported`);
  for (const key of ['rank_pattern', 'alpha_pattern', 'modules_to_save', 'layers_to_transform']) {
    if (!empty(raw[key])) throw bad(file, `${key} is not supported`);
  }
  if (raw['bias'] !== undefined && raw['bias'] !== 'none')
    throw bad(file, `bias "${String(raw['bias'])}" is not supported`);
  const modules = raw['target_modules'];
  const targets = Array.isArray(modules) ? modules.map(String) : typeof modules === 'string' ? [modules] : [];
  return { rank: rank as number, alpha, targets };
}

/** Reads a folder's adapters (our names and layout), checked against the base model's shapes. */
export function loadLoraAdapters(dir: string, config: Gpt2Config): LoraAdapters {
  const settings = readSettings(path.join(dir, ADAPTER_CONFIG_FILE));
  const file = path.join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(file)) throw bad(dir, `${ADAPTER_CONFIG_FILE} without ${ADAPTER_WEIGHTS_FILE}`);
  const shapes = expectedShapes(config);
  const tensors = new Map<string, Tensor>();
  for (const [name, tensor] of readSafetensors(file).tensors) {
    const match = PEFT_NAME.exec(name);
    const base = match ? shapes.get(`${match[1]}.weight`) : undefined;
    if (!match || !base)
      throw bad(file, `unexpected tensor ${name} (not a LoRA A/B of this GPT-2's Conv1D layers)`);
    const [fanIn, fanOut] = base as [number, number];
    const want = match[2] === 'A' ? [settings.rank, fanIn] : [fanOut, settings.rank];
    if (tensor.shape.length !== 2 || tensor.shape[0] !== want[0] || tensor.shape[1] !== want[1]) {
      throw bad(
        file,
        `${name} is [${tensor.shape.join(', ')}], expected [${want.join(', ')}] (r ${settings.rank})`,
      );
    }
    tensors.set(`${match[1]}.lora_${match[2]}`, transposed(tensor));
  }
  for (const name of tensors.keys()) {
    const other = name.endsWith('lora_A') ? `${name.slice(0, -1)}B` : `${name.slice(0, -1)}A`;
    if (!tensors.has(other))
      throw bad(file, `${name} has no ${other.slice(other.lastIndexOf('.') + 1)} partner`);
  }
  if (tensors.size === 0) throw bad(file, 'holds no adapters');
  return { settings, tensors: sortedLike(shapes, tensors) };
}

/** Adapters in the base model's module order (h.0.attn.c_attn A, B, h.0.attn.c_proj A, B, ...). */
function sortedLike(shapes: ReadonlyMap<string, unknown>, tensors: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const name of shapes.keys()) {
    if (!name.endsWith('.weight')) continue;
    const prefix = name.slice(0, -'.weight'.length);
    for (const part of ['lora_A', 'lora_B']) {
      const t = tensors.get(`${prefix}.${part}`);
      if (t) out.set(`${prefix}.${part}`, t);
    }
  }
  return out;
}

/**
 * The weights with every adapter merged: W' = W + (alpha / r)·A@B, each entry summed in float64 and rounded
 * once to float32. Untargeted tensors are shared with `weights`, targeted ones are new arrays.
 */
export function mergeLora(weights: Gpt2Weights, adapters: LoraAdapters): Gpt2Weights {
  const scaling = adapters.settings.alpha / adapters.settings.rank;
  const r = adapters.settings.rank;
  const merged: Gpt2Weights = new Map(weights);
  for (const [name, a] of adapters.tensors) {
    if (!name.endsWith('.lora_A')) continue;
    const prefix = name.slice(0, -'.lora_A'.length);
    const b = adapters.tensors.get(`${prefix}.lora_B`)!;
    const w = weights.get(`${prefix}.weight`);
    if (!w) throw new Error(`mergeLora: no ${prefix}.weight`);
    const [fanIn, fanOut] = w.shape as [number, number];
    const out = Float32Array.from(w.data);
    const row = new Float64Array(fanOut);
    for (let i = 0; i < fanIn; i++) {
      row.fill(0);
      for (let k = 0; k < r; k++) {
        const aik = a.data[i * r + k]!;
        if (aik === 0) continue;
        const bk = k * fanOut;
        for (let j = 0; j < fanOut; j++) row[j]! += aik * b.data[bk + j]!;
      }
      const wi = i * fanOut;
      for (let j = 0; j < fanOut; j++) out[wi + j] = w.data[wi + j]! + scaling * row[j]!;
    }
    merged.set(`${prefix}.weight`, { shape: w.shape, data: out });
  }
  return merged;
}

/** Number of adapter values (for reports). */
export function adapterValues(adapters: LoraAdapters): number {
  let n = 0;
  for (const t of adapters.tensors.values()) n += elementCount(t.shape);
  return n;
}
