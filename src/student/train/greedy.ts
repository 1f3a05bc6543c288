/**
 * Greedy decoding as a sanity check of trained weights: feed the sequence, take the argmax of the last
 * position's logits, append, repeat until EOS or the limit. No KV cache (each token re-reads the sequence):
 * simple enough to trust when it is the thing that judges a training run, and fast at the sizes it is used on.
 */
import type * as ort from 'onnxruntime-node';
import type { Device } from '../config/trainConfig';
import { type Gpt2Shape, gpt2Params } from '../graph/gpt2';
import { buildLogitsGraph } from '../graph/logits';
import { ortTensor } from '../graph/session';
import { openDeviceSession } from './device';
import { paramFeeds } from './evaluate';
import type { TensorMap } from './state';

export interface GreedyResult {
  /** New tokens, EOS excluded. */
  ids: number[];
  stoppedAtEos: boolean;
}

export class GreedyDecoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly weights: Record<string, ort.Tensor>,
    private readonly nPositions: number,
  ) {}

  static async open(cfg: Gpt2Shape, params: TensorMap, device: Device = 'cpu'): Promise<GreedyDecoder> {
    const session = await openDeviceSession(
      buildLogitsGraph(cfg, { dtype: 'float32', positions: 'last' }),
      device,
    );
    return new GreedyDecoder(session, paramFeeds(gpt2Params(cfg), params), cfg.nPositions);
  }

  async decode(promptIds: readonly number[], maxNewTokens: number, eosId: number): Promise<GreedyResult> {
    const ids = [...promptIds];
    const out: number[] = [];
    while (out.length < maxNewTokens && ids.length < this.nPositions) {
      const input = ortTensor(
        'int64',
        BigInt64Array.from(ids, (v) => BigInt(v)),
        [1, ids.length],
      );
      const result = await this.session.run({ ...this.weights, input_ids: input });
      const logits = result['logits']!.data as Float32Array;
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v;
      if (best === eosId) return { ids: out, stoppedAtEos: true };
      out.push(best);
      ids.push(best);
    }
    return { ids: out, stoppedAtEos: false };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
