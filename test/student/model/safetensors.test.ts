// safetensors: exact round trips, files built byte by byte per the spec (F16/BF16/F64), and every kind of
// damaged file failing with the file and the fault named.

import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isMiniAstroError } from '../../../src/core/errors';
import {
  float32BitsToHalfBits,
  float32ToBfloat16,
  float32ToHalf,
  halfBitsToFloat,
  halfToFloat32,
} from '../../../src/student/model/halfFloat';
import {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../../src/student/model/safetensors';
import type { Tensor } from '../../../src/student/model/weights';
import { tempDir } from '../../helpers/tmp';

const bits = (data: Float32Array) => [...new Uint32Array(data.buffer, data.byteOffset, data.length)];

/** A safetensors file from parts, as the spec lays it out: u64 LE header size, JSON header, data. */
function rawFile(
  file: string,
  header: Record<string, unknown> | string,
  data: Uint8Array,
  options: { headerLength?: bigint; pad?: boolean } = {},
): string {
  let json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  if (options.pad !== false && json.length % 8 !== 0) {
    json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  }
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(options.headerLength ?? BigInt(json.length));
  writeFileSync(file, Buffer.concat([length, json, data]));
  return file;
}

function littleEndian(values: number[], width: 2 | 4 | 8, kind: 'uint' | 'float'): Buffer {
  const out = Buffer.alloc(values.length * width);
  values.forEach((v, i) => {
    if (width === 2) out.writeUInt16LE(v, i * 2);
    else if (width === 4 && kind === 'uint') out.writeUInt32LE(v, i * 4);
    else if (width === 4) out.writeFloatLE(v, i * 4);
    else out.writeDoubleLE(v, i * 8);
  });
  return out;
}

function expectBadInput(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isMiniAstroError(error), `expected MiniAstroError, got ${String(error)}`);
    assert.equal(error.kind, 'badInput');
    assert.ok(error.message.includes(file), `message names the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test('write then read gives the same bits, names, shapes and metadata; the layout follows the reference writer', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'a.safetensors');
  const special = new Float32Array([
    0,
    -0,
    1.5,
    -3.25e-12,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
  ]);
  const random = new Float32Array(1000).map((_, i) => Math.sin(i * 12.9898) * 43758.5453);
  const tensors = new Map<string, Tensor>([
    ['z.last', { shape: [7], data: special }],
    ['b.matrix', { shape: [10, 100], data: random }],
    ['scalar', { shape: [], data: new Float32Array([42]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);
  writeSafetensors(file, tensors, { metadata: { step: '12' } });
  const read = readSafetensors(file);
  assert.deepEqual(read.metadata, { format: 'pt', step: '12' });
  assert.deepEqual([...read.tensors.keys()], ['b.matrix', 'empty', 'scalar', 'z.last'], 'sorted by name');
  for (const [name, tensor] of tensors) {
    assert.deepEqual(read.tensors.get(name)?.shape, tensor.shape, name);
    assert.deepEqual(bits(read.tensors.get(name)!.data), bits(tensor.data), name);
  }

  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0, 'header padded to 8 bytes');
  const headerText = bytes.subarray(8, 8 + n).toString('utf8');
  assert.match(
    headerText,
    /^\{"__metadata__":\{"format":"pt","step":"12"\},"b\.matrix":\{"dtype":"F32","shape":\[10,100\],"data_offsets":\[0,4000\]\}/,
  );
  assert.match(headerText, /\} *$/);
  assert.equal(bytes.length, 8 + n + 4 * (7 + 1000 + 1));
  const header = readSafetensorsHeader(file);
  assert.deepEqual(
    header.entries.map((e) => [e.name, e.begin, e.end]),
    [
      ['b.matrix', 0, 4000],
      ['empty', 4000, 4000],
      ['scalar', 4000, 4004],
      ['z.last', 4004, 4032],
    ],
  );
});

test('F16, BF16 and F64 files written byte by byte per the spec read as the exact float32 values', (t) => {
  const dir = tempDir(t);
  // Half: 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest normal), +inf, -0.
  const half = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0400, 0x7c00, 0x8000];
  const halfValues = [1, -2, 0.5, 65504, 2 ** -24, 2 ** -14, Number.POSITIVE_INFINITY, -0];
  // bfloat16: 1, -2, 0.5, 3.140625, 1.1754944e-38 (smallest normal), -inf.
  const bf16 = [0x3f80, 0xc000, 0x3f00, 0x4049, 0x0080, 0xff80];
  const bf16Values = [1, -2, 0.5, 3.140625, 2 ** -126, Number.NEGATIVE_INFINITY];
  const f64Values = [1.5, -1e-3, 1e300];
  const halfBytes = littleEndian(half, 2, 'uint');
  const bf16Bytes = littleEndian(bf16, 2, 'uint');
  const f64Bytes = littleEndian(f64Values, 8, 'float');
  // Deliberately listed out of offset order, as the spec allows.
  const file = rawFile(
    path.join(dir, 'mixed.safetensors'),
    {
      d: { dtype: 'F64', shape: [3], data_offsets: [28, 52] },
      h: { dtype: 'F16', shape: [2, 4], data_offsets: [0, 16] },
      __metadata__: { format: 'pt' },
      b: { dtype: 'BF16', shape: [6], data_offsets: [16, 28] },
    },
    Buffer.concat([halfBytes, bf16Bytes, f64Bytes]),
  );
  const { tensors } = readSafetensors(file);
  assert.deepEqual([...tensors.keys()], ['h', 'b', 'd'], 'file order');
  assert.deepEqual(tensors.get('h')?.shape, [2, 4]);
  assert.deepEqual([...tensors.get('h')!.data], halfValues);
  assert.ok(Object.is(tensors.get('h')!.data[7], -0));
  assert.deepEqual([...tensors.get('b')!.data], bf16Values);
  assert.deepEqual([...tensors.get('d')!.data], [...new Float32Array(f64Values)]);
  assert.ok(Number.isNaN(halfToFloat32(new Uint16Array([0x7e00]))[0]));
});

test('F16 and BF16 writing round to nearest even and read back as the rounded values', (t) => {
  // Every non-NaN half survives half -> float32 -> half.
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = float32ToHalf(halfToFloat32(all));
  for (let h = 0; h < 65536; h++) {
    if (Number.isNaN(halfBitsToFloat(h)))
      assert.ok((back[h]! & 0x7c00) === 0x7c00 && (back[h]! & 0x3ff) !== 0);
    else assert.equal(back[h], h, `half 0x${h.toString(16)}`);
  }
  const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;
  assert.equal(float32BitsToHalfBits(f32bits(1 + 2 ** -11)), 0x3c00, 'tie rounds to even (down)');
  assert.equal(float32BitsToHalfBits(f32bits(1 + 3 * 2 ** -11)), 0x3c02, 'tie rounds to even (up)');
  assert.equal(float32BitsToHalfBits(f32bits(1 + 2 ** -11 + 2 ** -20)), 0x3c01, 'above the tie rounds up');
  assert.equal(float32BitsToHalfBits(f32bits(65520)), 0x7c00, 'overflows to inf');
  assert.equal(float32BitsToHalfBits(f32bits(2 ** -25)), 0x0000, 'half of the smallest subnormal ties to 0');
  assert.equal(float32BitsToHalfBits(f32bits(3 * 2 ** -26)), 0x0001);
  assert.equal(float32BitsToHalfBits(f32bits(-1e-10)), 0x8000);
  assert.deepEqual(
    [...float32ToBfloat16(new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -0]))],
    [0x3f80, 0x3f82, 0x8000],
  );

  const dir = tempDir(t);
  const values = new Float32Array([0.1, -0.2, 1e-6, 70000, 3.3]);
  for (const dtype of ['F16', 'BF16'] as const) {
    const file = path.join(dir, `${dtype}.safetensors`);
    writeSafetensors(file, [['x', { shape: [5], data: values }]], { dtype });
    assert.equal(readSafetensorsHeader(file).entries[0]?.dtype, dtype);
    const expected = dtype === 'F16' ? halfToFloat32(float32ToHalf(values)) : new Float32Array(values.length);
    if (dtype === 'BF16') {
      const rounded = float32ToBfloat16(values);
      for (let i = 0; i < values.length; i++)
        expected[i] = new Float32Array(new Uint32Array([rounded[i]! << 16]).buffer)[0]!;
    }
    assert.deepEqual(bits(readSafetensors(file).tensors.get('x')!.data), bits(expected), dtype);
  }
});

test('the filter skips tensors without reading them (an unreadable dtype is fine if skipped)', (t) => {
  const dir = tempDir(t);
  const file = rawFile(
    path.join(dir, 'int.safetensors'),
    {
      i: { dtype: 'I64', shape: [1], data_offsets: [0, 8] },
      f: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    },
    Buffer.concat([Buffer.alloc(8), littleEndian([2.5], 4, 'float')]),
  );
  const { tensors } = readSafetensors(file, { filter: (entry) => entry.dtype !== 'I64' });
  assert.deepEqual([...tensors.keys()], ['f']);
  assert.equal(tensors.get('f')?.data[0], 2.5);
  expectBadInput(() => readSafetensors(file), file, /tensor "i" has dtype I64; only F32, F16, BF16 and F64/);
});

test('damaged files fail with MiniAstroError naming the file and the fault', (t) => {
  const dir = tempDir(t);
  const four = littleEndian([1, 2, 3, 4], 4, 'float'); // 16 bytes
  const good = {
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
  };
  let n = 0;
  const name = () => path.join(dir, `bad${n++}.safetensors`);
  const cases: [string, string, RegExp][] = [];
  const add = (file: string, pattern: RegExp) => cases.push([file, file, pattern]);

  let file = name();
  writeFileSync(file, Buffer.from([1, 2, 3]));
  add(file, /too short for the 8-byte header length/);

  file = rawFile(name(), good, four, { headerLength: 10_000n });
  add(file, /header length 10000 runs past the end of the file/);

  file = rawFile(name(), good, four, { headerLength: 1n << 40n });
  add(file, /exceeds the 100000000-byte limit/);

  add(rawFile(name(), '{"a": {"dtype": "F32", ', four), /header is not valid JSON/);
  add(rawFile(name(), '[1, 2, 3]', four), /header does not start with "\{"/);
  add(rawFile(name(), '"just a string"', four), /does not start with/);

  file = name();
  const badUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x20, 0x20, 0x20, 0x20]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(8n);
  writeFileSync(file, Buffer.concat([length, badUtf8]));
  add(file, /header is not valid UTF-8/);

  add(
    rawFile(name(), { ...good, b: { dtype: 'F31', shape: [2], data_offsets: [8, 16] } }, four),
    /tensor "b": unknown dtype "F31"/,
  );
  add(
    rawFile(name(), { ...good, b: { dtype: 'F32', shape: [-2], data_offsets: [8, 16] } }, four),
    /tensor "b": shape must be/,
  );
  add(
    rawFile(name(), { ...good, b: { dtype: 'F32', shape: [2], data_offsets: [16, 8] } }, four),
    /data_offsets must be \[begin, end\]/,
  );
  add(
    rawFile(name(), { ...good, b: { dtype: 'F32', shape: [3], data_offsets: [8, 16] } }, four),
    /F32 \[3\] needs 12 bytes but data_offsets \[8, 16\] span 8/,
  );
  add(
    rawFile(name(), { ...good, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, four),
    /tensor "b" overlaps tensor "a"/,
  );
  add(
    rawFile(
      name(),
      {
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
      },
      four,
    ),
    /4 unreferenced bytes before tensor "b"/,
  );
  add(rawFile(name(), good, Buffer.concat([four, Buffer.alloc(4)])), /4 bytes after the last tensor/);
  add(
    rawFile(name(), { ...good, __metadata__: { format: 'pt', step: 3 } }, four),
    /__metadata__ must be an object of strings/,
  );
  add(rawFile(name(), { a: 'F32' }, four), /tensor "a": expected \{dtype, shape, data_offsets\}/);

  // A download cut short: the header promises more data than the file holds.
  file = name();
  writeSafetensors(file, [['w', { shape: [4, 4], data: new Float32Array(16).fill(1) }]]);
  truncateSync(file, readFileSync(file).length - 10);
  add(
    file,
    /tensor "w" data_offsets \[0, 64\] run past the end of the data \(54 bytes; the file is truncated\)/,
  );

  add(path.join(dir, 'absent.safetensors'), /cannot open safetensors file/);

  for (const [target, mention, pattern] of cases)
    expectBadInput(() => readSafetensors(target), mention, pattern);
  // The header reader applies the same checks.
  expectBadInput(() => readSafetensorsHeader(cases[1]![0]), cases[1]![1], /runs past the end/);
});

test('writing refuses tensors whose data does not fill their shape, and duplicate names', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'w.safetensors');
  assert.throws(
    () => writeSafetensors(file, [['x', { shape: [2, 3], data: new Float32Array(5) }]]),
    /5 values do not fill shape \[2, 3\]/,
  );
  assert.throws(
    () =>
      writeSafetensors(file, [
        ['x', { shape: [1], data: new Float32Array(1) }],
        ['x', { shape: [1], data: new Float32Array(1) }],
      ]),
    /tensor "x" twice/,
  );
  assert.throws(
    () => writeSafetensors(file, [['__metadata__', { shape: [1], data: new Float32Array(1) }]]),
    /named/,
  );
  assert.throws(() => readFileSync(file), /ENOENT/, 'nothing written');
});
