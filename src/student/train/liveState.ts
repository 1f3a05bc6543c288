/**
 * The optimizer state between two steps, where the last step left it. On the CPU (and with CUDA, whose outputs
 * onnxruntime-node returns in host memory) that is host arrays. With device webgpu the step's `new.*` outputs stay
 * in GPU memory and feed the next step as they are; host arrays exist only when something reads them (a
 * checkpoint, a test hook), made then by one copy out of the GPU. Design goal: the trainer never reads stale host
 * arrays, so host access is only through `toHost()`, and device buffers are freed as soon as a newer state
 * replaces them.
 */
import type * as ort from 'onnxruntime-node';
import type { ParamSpec } from '../graph/gpt2';
import { ortTensor } from '../graph/session';
import { type DeviceCopier, isOnDevice, releaseDeviceTensors } from './deviceTensors';
import type { OptimizerState, TensorMap } from './state';

const MOMENTS = ['adam_m.', 'adam_v.'] as const;

/** The output names a step's graph returns the new state under (kept on the device where it can be). */
export function stateOutputNames(specs: readonly ParamSpec[]): string[] {
  return specs.flatMap((s) => [`new.${s.name}`, `new.adam_m.${s.name}`, `new.adam_v.${s.name}`]);
}

export class LiveState {
  private host: OptimizerState | undefined;

  private constructor(
    private readonly specs: readonly ParamSpec[],
    /** Feeds by input name: `<param>`, `adam_m.<param>`, `adam_v.<param>`. */
    private readonly feeds: Record<string, ort.Tensor>,
    host?: OptimizerState,
  ) {
    this.host = host;
  }

  static fromHost(specs: readonly ParamSpec[], state: OptimizerState): LiveState {
    const live = new LiveState(specs, {}, state);
    live.rebind(specs.map((s) => s.name));
    return live;
  }

  /**
   * Re-wraps the host arrays of `names` as feeds, after something replaced them in the host maps (the AdamW pool
   * hands moved tensors back as new arrays over the same memory).
   */
  rebind(names: readonly string[]): void {
    const host = this.host;
    if (!host) throw new Error('rebind: this state has no host arrays');
    const shapes = new Map(this.specs.map((s) => [s.name, s.shape]));
    for (const name of names) {
      const shape = shapes.get(name);
      if (!shape) throw new Error(`rebind: no parameter ${name}`);
      this.feeds[name] = ortTensor('float32', host.params.get(name)!, shape);
      this.feeds[`adam_m.${name}`] = ortTensor('float32', host.m.get(name)!, shape);
      this.feeds[`adam_v.${name}`] = ortTensor('float32', host.v.get(name)!, shape);
    }
  }

  /** The state a step's outputs (`new.<feed>`) hold. */
  static fromOutputs(specs: readonly ParamSpec[], out: ort.InferenceSession.OnnxValueMapType): LiveState {
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of specs) {
      for (const prefix of ['', ...MOMENTS]) {
        const tensor = out[`new.${prefix}${s.name}`];
        if (!tensor) throw new Error(`graph output new.${prefix}${s.name} is missing`);
        feeds[`${prefix}${s.name}`] = tensor;
      }
    }
    return new LiveState(specs, feeds);
  }

  get onDevice(): boolean {
    return Object.values(this.feeds).some(isOnDevice);
  }

  /** The weights as graph feeds (by parameter name). */
  paramFeeds(): Record<string, ort.Tensor> {
    return Object.fromEntries(this.specs.map((s) => [s.name, this.feeds[s.name]!]));
  }

  /** AdamW's moments as graph feeds (`adam_m.<param>`, `adam_v.<param>`). */
  momentFeeds(): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of this.specs)
      for (const p of MOMENTS) feeds[`${p}${s.name}`] = this.feeds[`${p}${s.name}`]!;
    return feeds;
  }

  /** Host arrays of the whole state; copied out of the GPU once, then cached. */
  async toHost(copier: DeviceCopier): Promise<OptimizerState> {
    if (this.host) return this.host;
    const all = await copier.toHost(this.feeds);
    const pick = (prefix: string): TensorMap =>
      new Map(this.specs.map((s) => [s.name, all.get(prefix + s.name)!]));
    this.host = { params: pick(''), m: pick('adam_m.'), v: pick('adam_v.') };
    return this.host;
  }

  /** Frees the device buffers (no-op on the host); the state must not be used afterwards. */
  release(): void {
    releaseDeviceTensors(Object.values(this.feeds));
  }
}
