/**
 * Where the graphs run. `cpu` is ONNX Runtime's CPU provider; `cuda` asks for the CUDA provider and, when ONNX
 * Runtime cannot load it, stops with a usage error that says exactly how to get it. Never a silent fallback to
 * the CPU: a run the user believes is on the GPU but is 50x slower wastes a day. (ONNX Runtime may still place
 * single nodes the CUDA provider lacks on the CPU; that is its normal partitioning, not a fallback of the run.)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describeError, MiniAstroError } from '../../core/errors';
import type { Device } from '../config/trainConfig';
import { Graph } from '../graph/ir';
import { toOnnx } from '../graph/onnx';
import * as o from '../graph/ops';

export interface DeviceSessionOptions {
  /** Threads for one operator; default ONNX Runtime's (the physical cores). */
  intraOpThreads?: number;
}

export function executionProviders(device: Device): string[] {
  return device === 'cuda' ? ['cuda'] : ['cpu'];
}

/** Folder holding onnxruntime-node's native binding, where its install script puts the CUDA provider. */
function ortBinaryFolder(): string | undefined {
  try {
    const root = path.dirname(path.dirname(require.resolve('onnxruntime-node')));
    return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

export const CUDA_HINT =
  "Reinstall with the CUDA build of ONNX Runtime: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci` (onnxruntime-node's " +
  'install script then downloads its CUDA execution provider; in an existing install, ' +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` does the same). The ' +
  'machine needs an NVIDIA driver with CUDA 12 and cuDNN 9 libraries on the library path (LD_LIBRARY_PATH). Or ' +
  'set device: cpu (--device cpu).';

/** The CUDA provider library onnxruntime-node loads, when this platform has one and it is not installed. */
function missingCudaLibrary(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const folder = ortBinaryFolder();
  const library = folder ? path.join(folder, 'libonnxruntime_providers_cuda.so') : undefined;
  return library && !existsSync(library) ? library : undefined;
}

function cudaUnavailable(detail: string, cause?: unknown): MiniAstroError {
  return new MiniAstroError(
    'usage',
    `device: cuda, but ONNX Runtime cannot use its CUDA execution provider (${detail}).`,
    CUDA_HINT,
    cause === undefined ? undefined : { cause },
  );
}

export async function openDeviceModel(
  bytes: Uint8Array,
  device: Device,
  options: DeviceSessionOptions = {},
): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: executionProviders(device),
    graphOptimizationLevel: 'extended',
    // ORT's own warnings (e.g. nodes it keeps on the CPU) would interleave with our JSON lines on stderr.
    logSeverityLevel: 3,
  };
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  if (device === 'cuda') {
    // Checked first: asking ONNX Runtime for a provider it cannot load also prints a native error log.
    const missing = missingCudaLibrary();
    if (missing) throw cudaUnavailable(`${missing} is not installed`);
  }
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (error) {
    if (device === 'cuda') throw cudaUnavailable(describeError(error).split('\n')[0]!.slice(0, 300), error);
    throw error;
  }
}

export function openDeviceSession(
  graph: Graph,
  device: Device,
  options: DeviceSessionOptions = {},
): Promise<ort.InferenceSession> {
  return openDeviceModel(toOnnx(graph, { opset: 17 }), device, options);
}

/** Opens a one-node session on `device` so a missing provider is reported before data and weights load. */
export async function checkDevice(device: Device): Promise<void> {
  if (device === 'cpu') return;
  const g = new Graph('device_probe');
  const x = g.input('x', 'float32', [1]);
  g.output(o.add(x, x), 'y');
  const session = await openDeviceSession(g, device);
  await session.release();
}
