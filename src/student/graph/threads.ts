/**
 * How many threads ONNX Runtime's CPU kernels get. Left to itself, ORT 1.30 gave a session one thread on this
 * project's 2-core CI machine (a VM whose cores are not hyperthreads): a 124M training step then ran on one core
 * while the other idled, and took 1.6× as long. So sessions ask for one thread per physical core, as ORT means
 * to: hyperthread siblings share one core's FMA units, and MLAS's GEMMs slow down when two threads fight for them.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Physical cores in /proc/cpuinfo text: distinct (physical id, core id) pairs; null when the text has no core
 * ids (some ARM kernels), where every logical CPU is taken as a core.
 */
export function coresFromCpuinfo(text: string): number | null {
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const field = (name: string) => block.match(new RegExp(`^${name}\\s*:\\s*(\\d+)`, 'm'))?.[1];
    const core = field('core id');
    if (core !== undefined) cores.add(`${field('physical id') ?? 0}:${core}`);
  }
  return cores.size > 0 ? cores.size : null;
}

let cached: number | undefined;

/** Physical cores this process may use (never more than the CPUs it is allowed to run on). */
export function physicalCores(): number {
  if (cached === undefined) {
    const logical = os.availableParallelism();
    let cores: number | null = null;
    if (process.platform === 'linux') {
      try {
        cores = coresFromCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
      } catch {
        cores = null;
      }
    }
    cached = Math.max(1, Math.min(logical, cores ?? logical));
  }
  return cached;
}

/** A config's thread count: 0 means one per physical core. */
export function cpuThreads(requested = 0): number {
  return requested > 0 ? requested : physicalCores();
}
