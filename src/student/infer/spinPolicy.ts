/**
 * Design goal: onnxruntime's worker threads spin between kernels only when that helps. A decode step is ~270
 * small kernels; a thread that sleeps between them is woken ~100 times a token, and on the 2-core bench machine
 * spinning made a step 12–25% faster (int8 7.3–7.7 → 5.3–7.3 ms, float32 13.2–15.6 → 11.5–12.6 ms at 400 cached
 * positions). But a spinning thread takes the time slice its partner needs to reach the next barrier when other
 * work holds a core: with one busy process beside it a step took 16 ms spinning against 10.3 ms sleeping, and with
 * both cores loaded (a test run) 107 ms against 9.4 ms. So a session spins only if, when it is created, every
 * thread it will run finds a nearly idle core; the measure is passed in so tests can drive the choice.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How many cores other processes left idle over the next `sampleMs` (0 … number of logical CPUs), from the
 * kernel's CPU times. This process's own CPU time counts as idle: what it does now (loading the model) is not
 * what will compete with its decode threads.
 */
export async function idleCores(sampleMs = 100): Promise<number> {
  const before = os.cpus();
  const ownBefore = process.cpuUsage();
  await sleep(sampleMs);
  const own = process.cpuUsage(ownBefore);
  return idleFromTimes(before, os.cpus(), (own.user + own.system) / 1000); // µs → ms, the unit of os.cpus()
}

/** Idle cores between two os.cpus() readings, counting `ownMs` of this process's CPU time as idle. */
export function idleFromTimes(
  before: readonly Pick<os.CpuInfo, 'times'>[],
  after: readonly Pick<os.CpuInfo, 'times'>[],
  ownMs: number,
): number {
  const total = (t: os.CpuInfo['times']) => t.user + t.nice + t.sys + t.idle + t.irq;
  let idle = ownMs;
  let all = 0;
  after.forEach((cpu, i) => {
    const was = before[i];
    if (!was) return;
    idle += cpu.times.idle - was.times.idle;
    all += total(cpu.times) - total(was.times);
  });
  return all > 0 ? Math.min(1, idle / all) * after.length : 0;
}

/**
 * The median of three 100 ms samples of idleCores: one burst (a collector pass in this process, another process
 * finishing its start-up) does not decide a session's life-long choice.
 */
export async function typicalIdleCores(): Promise<number> {
  const samples = [await idleCores(), await idleCores(), await idleCores()].sort((a, b) => a - b);
  return samples[1]!;
}

/** Whether a session of `threads` intra-op threads should spin: each needs an idle core (a quarter core of slack). */
export async function shouldSpin(
  threads: number,
  measure: () => Promise<number> = typicalIdleCores,
): Promise<boolean> {
  return (await measure()) >= threads - 0.25;
}
