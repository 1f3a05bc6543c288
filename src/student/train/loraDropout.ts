/**
 * LoRA dropout's keep masks (graph/lora.ts), drawn on the host. A mask is a pure function of (run seed, optimizer
 * step, micro-batch within the step, layer, module): no generator state lives between steps, so a checkpoint
 * needs none and a resumed run draws exactly the masks the uninterrupted run drew, on any device. Each mask has
 * its own xoshiro128** stream, seeded injectively from that key (the plain (seed, stream) constructor folds
 * everything into 32 bits, so among the ~10^6 masks of a long run some would repeat), and every element takes one
 * 32-bit draw: each is kept with probability 1 - p, independently of the others and of every other mask.
 */
import type * as ort from 'onnxruntime-node';
import type { Gpt2Shape } from '../graph/gpt2';
import {
  BLOCK_MODULES,
  type BlockModule,
  checkDropout,
  type LoraMaskSpec,
  type LoraShape,
  loraMaskSpecs,
} from '../graph/lora';
import { ortTensor } from '../graph/session';
import { checkSeed, mix32, Xoshiro128 } from '../model/random';

/** What one mask depends on. */
export interface MaskKey {
  readonly seed: number;
  /** 1-based optimizer step (AdamW's step number). */
  readonly step: number;
  /** 0-based micro-batch within the step. */
  readonly micro: number;
  readonly layer: number;
  readonly module: BlockModule;
}

const TWO_32 = 4294967296;
const ROUND_KEYS = [0x9e3779b9, 0x7f4a7c15, 0x85ebca6b, 0xc2b2ae35] as const;

/**
 * The key packed into 128 bits without loss (seed < 2^53 takes 53, the module 2, the layer 9, step and micro 32
 * each), then mixed by two rounds of w[j] ← mix32(w[j] ^ mix32(w[j-1] + k_j)): each update is invertible (mix32
 * is a bijection and w[j-1] is left as it was), so distinct keys give distinct states, and after two rounds
 * every word depends on every part of the key (xoshiro's first outputs read only one word of its state).
 */
export function maskStream(key: MaskKey): Xoshiro128 {
  checkSeed(key.seed);
  const module = BLOCK_MODULES.indexOf(key.module);
  const small = (v: number, limit: number, what: string) => {
    if (!Number.isInteger(v) || v < 0 || v >= limit) throw new RangeError(`LoRA dropout mask: ${what} ${v}`);
  };
  small(key.step, TWO_32, 'step');
  small(key.micro, TWO_32, 'micro-batch');
  small(key.layer, 512, 'layer');
  small(module, 4, 'module');
  const w = [
    key.seed % TWO_32,
    Math.floor(key.seed / TWO_32) + module * 2 ** 21 + key.layer * 2 ** 23,
    key.step,
    key.micro,
  ].map((x) => x >>> 0);
  for (let round = 0; round < 2; round++) {
    for (let j = 0; j < 4; j++) w[j] = mix32(w[j]! ^ mix32((w[(j + 3) % 4]! + ROUND_KEYS[j]!) >>> 0));
  }
  if ((w[0]! | w[1]! | w[2]! | w[3]!) === 0) w[3] = 1; // the one state xoshiro cannot leave
  return Xoshiro128.fromState(w[0]!, w[1]!, w[2]!, w[3]!);
}

/** Fills `out` with the keep flags (1 kept, 0 dropped) of the mask `key` at drop probability `p`. */
export function fillDropoutMask(out: Uint8Array, key: MaskKey, p: number): void {
  maskStream(key).fillKeepMask(out, p);
}

/**
 * A run's masks: one bool [B, T, in] feed per targeted module of every layer (graph/lora.ts names them). The
 * buffers are reused from one call to the next (they hold ~10^8 bytes at GPT-2 small), so a call's feeds are
 * valid until the next call: a micro-batch's run has consumed them by then.
 */
export class LoraDropoutMasks {
  private readonly specs: readonly LoraMaskSpec[];
  private readonly buffers = new Map<string, Uint8Array>();

  constructor(
    cfg: Gpt2Shape,
    lora: LoraShape,
    readonly p: number,
    readonly seed: number,
  ) {
    checkDropout(p);
    checkSeed(seed);
    this.specs = loraMaskSpecs(cfg, lora);
  }

  /** The masks of micro-batch `micro` (0-based) of 1-based step `step`, for a batch of [batchSize, seqLen]. */
  feeds(step: number, micro: number, batchSize: number, seqLen: number): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of this.specs) {
      const n = batchSize * seqLen * s.fanIn;
      let buffer = this.buffers.get(s.name);
      if (!buffer || buffer.length < n) {
        buffer = new Uint8Array(n);
        this.buffers.set(s.name, buffer);
      }
      const mask = buffer.subarray(0, n);
      fillDropoutMask(mask, { seed: this.seed, step, micro, layer: s.layer, module: s.module }, this.p);
      feeds[s.name] = ortTensor('bool', mask, [batchSize, seqLen, s.fanIn]);
    }
    return feeds;
  }
}
