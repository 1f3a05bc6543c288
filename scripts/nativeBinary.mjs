// What a native Node.js module (.node file) was built for, read from the file itself without loading it: the
// platform and CPU from the executable header (ELF, Mach-O, PE), and the Node ABI (NODE_MODULE_VERSION) from the
// `node_register_module_v<ABI>` symbol that modules built against one Node ABI export (better-sqlite3 does; an
// N-API module such as onnxruntime-node's binding has none and loads in any Node with its N-API version).
// Used at build and package time to write dist/runtime.json and to refuse a binary built for another target.
import { readFileSync } from 'node:fs';

const ELF_MACHINES = new Map([
  [0x3e, 'x64'],
  [0xb7, 'arm64'],
  [0x28, 'arm'],
]);
const MACHO_CPUS = new Map([
  [0x01000007, 'x64'],
  [0x0100000c, 'arm64'],
]);
const PE_MACHINES = new Map([
  [0x8664, 'x64'],
  [0xaa64, 'arm64'],
]);

/**
 * @param {string} file a .node file
 * @returns {{ platform: string | null, arch: string | null, modules: string | null }} platform as Node names it
 *   (linux, darwin, win32), arch (x64, arm64, arm), the ABI as `process.versions.modules` writes it; null when unknown
 */
export function describeNativeBinary(file) {
  const bytes = readFileSync(file);
  const abi = /node_register_module_v(\d+)/.exec(bytes.toString('latin1'));
  return { ...executableTarget(bytes), modules: abi ? abi[1] : null };
}

/** @param {Buffer} bytes */
function executableTarget(bytes) {
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    const littleEndian = bytes[5] === 1;
    const machine = littleEndian ? bytes.readUInt16LE(18) : bytes.readUInt16BE(18);
    return { platform: 'linux', arch: ELF_MACHINES.get(machine) ?? null };
  }
  if (bytes.length >= 8 && bytes.readUInt32LE(0) === 0xfeedfacf) {
    return { platform: 'darwin', arch: MACHO_CPUS.get(bytes.readUInt32LE(4)) ?? null };
  }
  if (bytes.length >= 0x40 && bytes.toString('latin1', 0, 2) === 'MZ') {
    const pe = bytes.readUInt32LE(0x3c);
    if (bytes.length >= pe + 6 && bytes.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      return { platform: 'win32', arch: PE_MACHINES.get(bytes.readUInt16LE(pe + 4)) ?? null };
    }
  }
  return { platform: null, arch: null };
}

/**
 * dist/runtime.json: what the engine's Node.js must match (src/core/findNode.ts reads it). `node` is the version
 * that built the binary when it is the Node running this script (the usual case: `npm ci` compiled it).
 * @param {string} sqliteBinary better-sqlite3's better_sqlite3.node
 */
export function runtimeInfo(sqliteBinary) {
  const binary = describeNativeBinary(sqliteBinary);
  return {
    modules: binary.modules,
    node: binary.modules === process.versions.modules ? process.versions.node : null,
    platform: binary.platform,
    arch: binary.arch,
  };
}
