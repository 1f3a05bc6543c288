/**
 * Tensors that stay in GPU memory between runs (device webgpu), and the way back to the host. Design goal: a
 * training step moves no weights across PCIe. A session opened with `resident` output names returns those outputs
 * as 'gpu-buffer' tensors, and the next run takes them as inputs as they are. onnxruntime-node's binding cannot
 * download such a tensor itself (its `getData()` is not implemented in Node), nor make one from host data, so
 * `DeviceCopier` runs graphs of Identity nodes on the same provider: with outputs placed on the CPU, ONNX Runtime
 * copies each buffer into host memory (for checkpoints); with outputs kept on the GPU, it uploads host arrays once
 * (a LoRA run's frozen base weights, fed to every step).
 */
import type * as ort from 'onnxruntime-node';
import type { Device } from '../config/trainConfig';
import { Graph } from '../graph/ir';
import * as o from '../graph/ops';
import { openDeviceSession } from './device';

export function isOnDevice(tensor: ort.Tensor): boolean {
  return tensor.location === 'gpu-buffer';
}

/** Frees the GPU memory of every device tensor in `feeds` (host tensors are left to the garbage collector). */
export function releaseDeviceTensors(feeds: Iterable<ort.Tensor>): void {
  for (const tensor of feeds) if (isOnDevice(tensor)) tensor.dispose();
}

/** Moves float32 tensors between host and GPU memory; sessions are cached by direction, names and shapes. */
export class DeviceCopier {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  constructor(private readonly device: Device) {}

  /** Host arrays of `tensors`; those already on the host are returned as they are. */
  async toHost(tensors: Readonly<Record<string, ort.Tensor>>): Promise<Map<string, Float32Array>> {
    const host = new Map<string, Float32Array>();
    const onDevice: [string, ort.Tensor][] = [];
    for (const [name, tensor] of Object.entries(tensors)) {
      if (isOnDevice(tensor)) onDevice.push([name, tensor]);
      else host.set(name, tensor.data as Float32Array);
    }
    const out = await this.copy(onDevice, false);
    onDevice.forEach(([name], i) => {
      host.set(name, out[`y${i}`]!.data as Float32Array);
    });
    return host;
  }

  /** GPU copies of `tensors` (device webgpu); on other devices the tensors themselves. */
  async toDevice(tensors: Readonly<Record<string, ort.Tensor>>): Promise<Record<string, ort.Tensor>> {
    if (this.device !== 'webgpu') return { ...tensors };
    const entries = Object.entries(tensors);
    const out = await this.copy(entries, true);
    return Object.fromEntries(entries.map(([name], i) => [name, out[`y${i}`]!]));
  }

  private async copy(
    tensors: readonly [string, ort.Tensor][],
    toDevice: boolean,
  ): Promise<ort.InferenceSession.OnnxValueMapType> {
    if (tensors.length === 0) return {};
    const session = await this.session(tensors, toDevice);
    return session.run(Object.fromEntries(tensors.map(([, t], i) => [`x${i}`, t])));
  }

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) await (await session).release();
  }

  private session(
    tensors: readonly [string, ort.Tensor][],
    toDevice: boolean,
  ): Promise<ort.InferenceSession> {
    const key = `${toDevice ? 'up' : 'down'}:${tensors.map(([name, t]) => `${name}:${t.dims.join('x')}`).join(',')}`;
    let session = this.sessions.get(key);
    if (!session) {
      const g = new Graph(toDevice ? 'to_device' : 'to_host');
      tensors.forEach(([, t], i) => {
        g.output(o.identity(g.input(`x${i}`, 'float32', t.dims)), `y${i}`);
      });
      // Outputs default to host memory; uploads keep theirs on the GPU.
      const resident = toDevice ? tensors.map((_, i) => `y${i}`) : [];
      session = openDeviceSession(g, this.device, { resident });
      this.sessions.set(key, session);
    }
    return session;
  }
}
