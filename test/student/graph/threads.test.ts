// ONNX Runtime's CPU thread count: one per physical core, read from the kernel's own topology. The figures
// matter: ORT's default gave one thread on the 2-core CI VM, and a hyperthread sibling slows MLAS's GEMMs.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { coresFromCpuinfo, cpuThreads, physicalCores } from '../../../src/student/graph/threads';

/** /proc/cpuinfo blocks as Linux prints them, one per logical CPU. */
function cpuinfo(cpus: { physical: number; core: number }[]): string {
  return cpus
    .map(
      (c, i) =>
        `processor\t: ${i}\nvendor_id\t: AuthenticAMD\nphysical id\t: ${c.physical}\nsiblings\t: ${cpus.length}\ncore id\t\t: ${c.core}\ncpu cores\t: 2\n`,
    )
    .join('\n');
}

test('physical cores: distinct (package, core) pairs, so hyperthread siblings count once', () => {
  const noSmt = cpuinfo([
    { physical: 0, core: 0 },
    { physical: 0, core: 1 },
  ]);
  assert.equal(coresFromCpuinfo(noSmt), 2);
  const smt = cpuinfo([
    { physical: 0, core: 0 },
    { physical: 0, core: 1 },
    { physical: 0, core: 0 },
    { physical: 0, core: 1 },
  ]);
  assert.equal(coresFromCpuinfo(smt), 2);
  const twoSockets = cpuinfo([
    { physical: 0, core: 0 },
    { physical: 1, core: 0 },
  ]);
  assert.equal(coresFromCpuinfo(twoSockets), 2);
  // Kernels that print no core ids (some ARM boards) say nothing: every logical CPU is then a core.
  assert.equal(
    coresFromCpuinfo('processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n'),
    null,
  );
});

test('cpuThreads: an explicit count wins; 0 means the physical cores this process may use', () => {
  assert.equal(cpuThreads(3), 3);
  const cores = physicalCores();
  assert.equal(cpuThreads(0), cores);
  assert.ok(cores >= 1 && cores <= os.availableParallelism(), `${cores} cores`);
});
