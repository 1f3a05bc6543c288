/**
 * Where the graphs run. `cpu` is ONNX Runtime's CPU provider. `webgpu` is the WebGPU provider that onnxruntime-node
 * ships built in (Dawn over Vulkan on Linux, Metal on macOS, D3D12 on Windows): any GPU with a Vulkan driver, no
 * extra download; weights and optimizer state can stay in GPU memory between runs (`resident`). `cuda` asks for
 * the CUDA provider, whose libraries onnxruntime-node's installer downloads separately. When a GPU provider cannot
 * start, the run stops with a usage error that says exactly how to get it. Never a silent fallback to the CPU: a
 * run the user believes is on the GPU but is 50x slower wastes a day. (ONNX Runtime still places the few shape
 * and index nodes a GPU provider lacks on the CPU; that is its normal partitioning, not a fallback of the run.)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describeError, MiniAstroError } from '../../core/errors';
import type { Device } from '../config/trainConfig';
import { Graph } from '../graph/ir';
import { toOnnx } from '../graph/onnx';
import * as o from '../graph/ops';
import { cpuThreads } from '../graph/threads';

export interface DeviceSessionOptions {
  /** Threads for one operator; default one per physical core (graph/threads.ts), not ORT's own default. */
  intraOpThreads?: number;
  /**
   * Outputs that stay in GPU memory (device webgpu): a run returns them as 'gpu-buffer' tensors that the next run
   * takes as inputs with no copy, so weights and optimizer moments cross PCIe only when a checkpoint needs them.
   * Ignored on other devices (onnxruntime-node binds device memory for the WebGPU provider only).
   */
  resident?: readonly string[];
}

export function executionProviders(device: Device): string[] {
  return [device];
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
  'set device: webgpu (any GPU with a Vulkan driver, nothing to download) or device: cpu.';

export const WEBGPU_HINT =
  'device: webgpu runs on Vulkan here: install the Vulkan loader (Debian/Ubuntu: `apt install libvulkan1`) and ' +
  "your GPU's Vulkan driver (NVIDIA's driver ships one; if the loader does not find it, set " +
  'VK_DRIVER_FILES=/path/to/nvidia_icd.json). `vulkaninfo --summary` (package vulkan-tools) lists what the ' +
  'loader sees. Or set device: cpu (--device cpu).';

/** The CUDA provider library onnxruntime-node loads, when this platform has one and it is not installed. */
function missingCudaLibrary(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const folder = ortBinaryFolder();
  const library = folder ? path.join(folder, 'libonnxruntime_providers_cuda.so') : undefined;
  return library && !existsSync(library) ? library : undefined;
}

function providerUnavailable(device: Device, detail: string, cause?: unknown): MiniAstroError {
  const provider = device === 'cuda' ? 'CUDA' : 'WebGPU';
  return new MiniAstroError(
    'usage',
    `device: ${device}, but ONNX Runtime cannot use its ${provider} execution provider (${detail}).`,
    device === 'cuda' ? CUDA_HINT : WEBGPU_HINT,
    cause === undefined ? undefined : { cause },
  );
}

/** ORT's message without its source location: "Failed to get a WebGPU adapter: No supported adapters". */
function firstLine(error: unknown): string {
  const line = describeError(error).split('\n')[0]!;
  return line.replace(/^.*?\.(?:cc|cpp|h):\d+ [^ ]+(?: [^ ]+)*? (?=Failed|[A-Z][a-z]+ )/, '').slice(0, 300);
}

function ortLogLevel(): 0 | 1 | 2 | 3 | 4 {
  const level = Number(process.env['MINIASTROLM_ORT_LOG_LEVEL'] ?? 3);
  return level === 0 || level === 1 || level === 2 || level === 4 ? level : 3;
}

export async function openDeviceModel(
  bytes: Uint8Array,
  device: Device,
  options: DeviceSessionOptions = {},
): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: executionProviders(device),
    graphOptimizationLevel: 'extended',
    // ORT's memory pattern plans one arena block per distinct input shape and keeps the first run's buffers
    // too: a 124M step went from 6.3 to 10.6 GiB on its second run, and a run whose batches vary in length
    // would grow with every new length. Off, the arena reuses its chunks across runs at the same speed.
    enableMemPattern: false,
    // ORT's own warnings (e.g. nodes it keeps on the CPU) would interleave with our JSON lines on stderr;
    // MINIASTROLM_ORT_LOG_LEVEL=1 shows them (0 verbose, 1 info, 2 warning) when placing a graph on a device.
    logSeverityLevel: ortLogLevel(),
  };
  sessionOptions.intraOpNumThreads = options.intraOpThreads ?? cpuThreads();
  if (device === 'webgpu' && options.resident && options.resident.length > 0) {
    sessionOptions.preferredOutputLocation = Object.fromEntries(
      options.resident.map((name) => [name, 'gpu-buffer' as const]),
    );
  }
  if (device === 'cuda') {
    // Checked first: asking ONNX Runtime for a provider it cannot load also prints a native error log.
    const missing = missingCudaLibrary();
    if (missing) throw providerUnavailable(device, `${missing} is not installed`);
  }
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (error) {
    if (device !== 'cpu') throw providerUnavailable(device, firstLine(error), error);
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
