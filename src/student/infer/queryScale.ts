/**
 * Design goal: attention's 1/√D score scale costs nothing at run time. It is folded into the query columns of
 * every block's QKV projection (weight and bias; for quantised weights, the block scales of those columns), so
 * q comes out of the projection already scaled and the score MatMul runs with alpha 1. That matters on the CPU:
 * MLAS has one-row GEMM kernels that read the cache rows in place only for alpha 1 — any other alpha (which
 * onnxruntime's MatMulScaleFusion would fold a separate Mul into) makes it pack, i.e. copy, the cache first.
 * For power-of-two head sizes (GPT-2's 64: 1/8) the fold is exact: every product and sum scales by a power of
 * two, so q is bit-for-bit what Mul(q, 1/√D) gives.
 */
import type { Gpt2Config } from '../model';
import type { GraphWeights } from './graphWeights';
import type { QuantizedMatrix } from './quantize';

const QKV = /^h\.\d+\.attn\.c_attn\.(weight|bias)$/;

/** `weights` with the query columns of every c_attn scaled by `factor` (copies of just those tensors). */
export function withQueryScaled(config: Gpt2Config, weights: GraphWeights, factor: number): GraphWeights {
  const C = config.nEmbd;
  const f32 = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const quant = new Map<string, QuantizedMatrix>();
  return {
    format: weights.format,
    blockSize: weights.blockSize,
    float32(name) {
      if (!QKV.test(name)) return weights.float32(name);
      let scaled = f32.get(name);
      if (!scaled) {
        const t = weights.float32(name);
        // A copy (the source may be an unaligned view into a file's bytes), then the query columns: the bias is
        // [3C], a Conv1D weight [C, 3C] row-major, so each row's first C values.
        const data = new Float32Array(
          new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice().buffer,
        );
        const width = t.shape.length === 1 ? data.length : t.shape[1]!;
        for (let row = 0; row < data.length; row += width) {
          for (let c = row; c < row + C; c++) data[c]! *= factor;
        }
        scaled = { shape: t.shape, data };
        f32.set(name, scaled);
      }
      return scaled;
    },
    quantized(name) {
      const m = weights.quantized(name);
      if (!m || !QKV.test(name)) return m;
      let scaled = quant.get(name);
      if (!scaled) {
        // Scales are [n, blocks] with n the output column: the query's are the first C rows.
        const scales = m.scales.slice();
        const blocks = m.k / m.blockSize;
        for (let i = 0; i < C * blocks; i++) scales[i]! *= factor;
        scaled = { ...m, scales };
        quant.set(name, scaled);
      }
      return scaled;
    },
  };
}
