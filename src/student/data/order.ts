/**
 * Which examples go into which batch, in which order — a pure function of (examples, options, seed, epoch). So a
 * data position is just `DataOrder {epoch, index}`: saving it with a checkpoint and calling `batches(saved)` after a
 * restart yields exactly the batches an uninterrupted run would have seen next, with nothing else to persist.
 * `fingerprint` names the inputs of that function; a resume with a different one would silently train on a
 * different order, so `batches` refuses it when given.
 *
 * Optional length bucketing: the shuffled order is cut into windows of `windowBatches` batches, each window is
 * sorted by length and cut into batches, and the batches of the epoch are shuffled. Rows of a batch then have
 * similar lengths (less padding) while the order stays random at the batch level.
 */
import { createHash } from 'node:crypto';
import { MiniAstroError } from '../../core/errors';
import { type Batch, type CollateOptions, collate } from './collator';
import type { Example } from './examples';
import { mulberry32, shuffleInPlace, streamSeed } from './random';

/** A position in the stream of batches: `index` batches of epoch `epoch` were already consumed. */
export interface DataOrder {
  epoch: number;
  index: number;
}

export interface OrderOptions extends CollateOptions {
  batchSize: number;
  seed: number;
  /** false: file order, the same every epoch (evaluation). Default true. */
  shuffle?: boolean;
  lengthBucketing?: { enabled: boolean; windowBatches: number };
}

export interface PlannedBatch {
  batch: Batch;
  /** Where this batch was taken from. */
  at: DataOrder;
  /** The position to save once this batch has been trained on. */
  next: DataOrder;
}

// Separate random streams, so turning bucketing on does not change the example shuffle it starts from.
const STREAM_EXAMPLES = 1;
const STREAM_BATCHES = 2;

export class BatchLoader {
  readonly batchesPerEpoch: number;
  /** Hex digest of everything the order depends on. Store it beside a saved DataOrder. */
  readonly fingerprint: string;
  private readonly planCache = new Map<number, readonly (readonly number[])[]>();

  constructor(
    readonly examples: readonly Example[],
    readonly options: OrderOptions,
  ) {
    if (examples.length === 0) throw new RangeError('BatchLoader: no examples');
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`BatchLoader: batchSize must be an integer >= 1; got ${options.batchSize}`);
    }
    this.batchesPerEpoch = Math.ceil(examples.length / options.batchSize);
    const hash = createHash('sha256');
    hash.update(
      JSON.stringify({
        batchSize: options.batchSize,
        seed: options.seed,
        shuffle: options.shuffle ?? true,
        bucketing: options.lengthBucketing?.enabled ? options.lengthBucketing.windowBatches : 0,
        padToMultipleOf: options.padToMultipleOf ?? 1,
      }),
    );
    for (const e of examples) {
      hash.update(e.id);
      hash.update('\0');
      hash.update(new Uint8Array(e.inputIds.buffer, e.inputIds.byteOffset, e.inputIds.byteLength));
      hash.update(new Uint8Array(e.labels.buffer, e.labels.byteOffset, e.labels.byteLength));
    }
    this.fingerprint = hash.digest('hex');
  }

  /** Example indices of each batch of `epoch`. */
  epochPlan(epoch: number): readonly (readonly number[])[] {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new RangeError(`epoch must be an integer >= 0; got ${epoch}`);
    const cached = this.planCache.get(epoch);
    if (cached) return cached;
    const plan = this.computePlan(epoch);
    // Only the current epoch is ever asked for again; keep memory flat over long runs.
    this.planCache.clear();
    this.planCache.set(epoch, plan);
    return plan;
  }

  /**
   * Batches from `from` on, across epochs, without end: the caller stops after its step budget. With
   * `fingerprint` (the one saved beside `from`), a changed dataset or option is refused instead of resumed.
   */
  *batches(from: DataOrder = { epoch: 0, index: 0 }, fingerprint?: string): Generator<PlannedBatch> {
    if (fingerprint !== undefined && fingerprint !== this.fingerprint) {
      throw new MiniAstroError(
        'badInput',
        'Cannot resume: the training data or its batching options differ from the saved run.',
        'Resume with the same data file and config, or start a new run.',
      );
    }
    if (!Number.isInteger(from.index) || from.index < 0 || from.index > this.batchesPerEpoch) {
      throw new RangeError(`DataOrder.index must be in 0..${this.batchesPerEpoch}; got ${from.index}`);
    }
    let epoch = from.epoch;
    let index = from.index;
    for (;;) {
      if (index === this.batchesPerEpoch) {
        epoch++;
        index = 0;
      }
      const rows = this.epochPlan(epoch)[index]!;
      const batch = collate(
        rows.map((i) => this.examples[i]!),
        this.options,
      );
      const at = { epoch, index };
      index++;
      yield {
        batch,
        at,
        next: index === this.batchesPerEpoch ? { epoch: epoch + 1, index: 0 } : { epoch, index },
      };
    }
  }

  /** The batches of one epoch, in order (evaluation passes, dumps). */
  *epochBatches(epoch = 0): Generator<Batch> {
    for (const rows of this.epochPlan(epoch)) {
      yield collate(
        rows.map((i) => this.examples[i]!),
        this.options,
      );
    }
  }

  private computePlan(epoch: number): number[][] {
    const { batchSize, seed } = this.options;
    const order = this.examples.map((_, i) => i);
    if (this.options.shuffle ?? true)
      shuffleInPlace(order, mulberry32(streamSeed(seed, epoch, STREAM_EXAMPLES)));
    const bucketing = this.options.lengthBucketing;
    if (!bucketing?.enabled) return chunk(order, batchSize);
    const window = bucketing.windowBatches * batchSize;
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += window) {
      // Longest first within a window; ties keep the shuffled order (Array.prototype.sort is stable).
      const sorted = order
        .slice(start, start + window)
        .sort((a, b) => this.examples[b]!.inputIds.length - this.examples[a]!.inputIds.length);
      batches.push(...chunk(sorted, batchSize));
    }
    return this.options.shuffle === false
      ? batches
      : shuffleInPlace(batches, mulberry32(streamSeed(seed, epoch, STREAM_BATCHES)));
  }
}

function chunk(items: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
