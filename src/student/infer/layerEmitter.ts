/**
 * Design goal: the pieces of a GPT-2 block written once for both ONNX graphs this folder builds — the export
 * that other runtimes load (hfGraph.ts: plain ONNX ops for float32) and the decoder's own graph
 * (decoderGraph.ts: com.microsoft's fused kernels) — each piece reading its weights in the set's format
 * (float32 MatMul, or MatMulNBits on quantised bytes). Weights become initializers the first time a piece uses
 * them, under the names graphWeights.ts documents.
 */
import type { Gpt2Config } from '../model';
import { type GraphWeights, QUANT_SUFFIX, SCALES_SUFFIX } from './graphWeights';
import { float, type OnnxBuilder } from './onnxBuilder';

export const MS_DOMAIN = 'com.microsoft';

/**
 * MatMulNBits' accuracy level: 4 lets the kernel quantise each activation block to int8 too and use integer dot
 * products (AVX-VNNI / AVX512-VNNI / NEON dot), the fast path; 0 keeps activations float32.
 */
export const DEFAULT_ACCURACY_LEVEL = 4;

export interface EmitterOptions {
  /** com.microsoft kernels (SkipLayerNormalization, FastGelu) instead of their plain-ONNX compositions. */
  readonly fused: boolean;
  readonly accuracyLevel?: number;
}

export class LayerEmitter {
  private readonly added = new Set<string>();

  constructor(
    readonly b: OnnxBuilder,
    readonly config: Gpt2Config,
    readonly weights: GraphWeights,
    readonly options: EmitterOptions,
  ) {}

  /** The float32 initializer `name` (added on first use). */
  f32(name: string): string {
    if (!this.added.has(name)) {
      const t = this.weights.float32(name);
      this.b.initializer(name, 'float32', t.shape, t.data);
      this.added.add(name);
    }
    return name;
  }

  /** The quantised initializers of `name`: [bytes, scales]. */
  private quant(name: string): [string, string] {
    const m = this.weights.quantized(name)!;
    const q = `${name}${QUANT_SUFFIX}`;
    const s = `${name}${SCALES_SUFFIX}`;
    if (!this.added.has(q)) {
      const blocks = m.k / m.blockSize;
      this.b.initializer(q, 'uint8', [m.n, blocks, (m.blockSize * m.bits) / 8], m.data);
      this.b.initializer(s, 'float32', [m.n, blocks], m.scales);
      this.added.add(q);
    }
    return [q, s];
  }

  /** x [..., in] @ W [in, out] (+ b): MatMul and Add, or one MatMulNBits. */
  linear(x: string, prefix: string, withBias = true): string {
    const weight = `${prefix}.weight`;
    const m = this.weights.quantized(weight);
    const bias = withBias ? this.f32(`${prefix}.bias`) : '';
    if (m) {
      const [q, s] = this.quant(weight);
      return this.b.op(
        'MatMulNBits',
        [x, q, s, '', '', bias],
        {
          K: m.k,
          N: m.n,
          bits: m.bits,
          block_size: m.blockSize,
          accuracy_level: this.options.accuracyLevel ?? DEFAULT_ACCURACY_LEVEL,
        },
        { domain: MS_DOMAIN, name: `${prefix}/MatMulNBits` },
      );
    }
    const y = this.b.op('MatMul', [x, this.f32(weight)], {}, { name: `${prefix}/MatMul` });
    return withBias ? this.b.op('Add', [y, bias], {}, { name: `${prefix}/Add` }) : y;
  }

  /** Rows of the token table for `ids` (any shape) → [...ids, C]. */
  embedTokens(ids: string): string {
    const m = this.weights.quantized('wte.weight');
    if (!m) return this.b.op('Gather', [this.f32('wte.weight'), ids], {}, { name: 'embed/wte' });
    // 8-bit rows: gather the bytes and scales of the few rows needed, then (q - 128) · scale per block.
    const [q, s] = this.quant('wte.weight');
    const bytes = this.b.op('Gather', [q, ids], {}, { name: 'embed/wte.q' });
    const scales = this.b.op('Gather', [s, ids], {}, { name: 'embed/wte.scales' });
    const centred = this.b.op('Sub', [this.b.op('Cast', [bytes], { to: 1 }), this.b.float32(128)]);
    const values = this.b.op('Mul', [centred, this.b.op('Unsqueeze', [scales, this.b.int64([-1])])]);
    // [..., blocks, blockSize] → [..., C]: keep the leading dims, merge the last two.
    const lead = this.b.op('Shape', [ids]);
    return this.b.op('Reshape', [
      values,
      this.b.op('Concat', [lead, this.b.int64([this.config.nEmbd])], { axis: 0 }),
    ]);
  }

  /** Logits over the vocabulary for hidden states h [M, C] (2-D): the head tied to the token table. */
  lmHead2d(h: string, output?: string): string {
    const named = output ? { output } : {};
    const m = this.weights.quantized('wte.weight');
    if (!m) {
      return this.b.op(
        'Gemm',
        [h, this.f32('wte.weight')],
        { transB: 1 },
        { name: 'lm_head/Gemm', ...named },
      );
    }
    const [q, s] = this.quant('wte.weight');
    return this.b.op(
      'MatMulNBits',
      [h, q, s],
      {
        K: m.k,
        N: m.n,
        bits: m.bits,
        block_size: m.blockSize,
        accuracy_level: this.options.accuracyLevel ?? DEFAULT_ACCURACY_LEVEL,
      },
      { domain: MS_DOMAIN, name: 'lm_head/MatMulNBits', ...named },
    );
  }

  /** LayerNorm(x) with the parameters of `prefix`. */
  layerNorm(x: string, prefix: string): string {
    return this.b.op(
      'LayerNormalization',
      [x, this.f32(`${prefix}.weight`), this.f32(`${prefix}.bias`)],
      { axis: -1, epsilon: float(this.config.layerNormEpsilon) },
      { name: `${prefix}/LayerNorm` },
    );
  }

  /**
   * The residual step: sum = x + skip (+ bias), and LayerNorm(sum) with `prefix`'s parameters. Returns both
   * (the sum is the residual stream the next block adds to).
   */
  addAndNorm(
    x: string,
    skip: string,
    bias: string | undefined,
    prefix: string,
  ): { norm: string; sum: string } {
    if (this.options.fused) {
      const [norm, , , sum] = this.b.node(
        'SkipLayerNormalization',
        [x, skip, this.f32(`${prefix}.weight`), this.f32(`${prefix}.bias`), bias ? this.f32(bias) : ''],
        { epsilon: float(this.config.layerNormEpsilon) },
        { domain: MS_DOMAIN, outputs: 4, name: `${prefix}/SkipLayerNorm` },
      );
      return { norm: norm!, sum: sum! };
    }
    const withBias = bias ? this.b.op('Add', [x, this.f32(bias)]) : x;
    const sum = this.b.op('Add', [withBias, skip], {}, { name: `${prefix}/residual` });
    return { norm: this.layerNorm(sum, prefix), sum };
  }

  /** gelu_new (the tanh approximation) of x + bias. */
  gelu(x: string, bias: string): string {
    if (this.options.fused) {
      return this.b.op('FastGelu', [x, this.f32(bias)], {}, { domain: MS_DOMAIN, name: `${bias}/FastGelu` });
    }
    const u = this.b.op('Add', [x, this.f32(bias)]);
    // 0.5 · u · (1 + tanh(√(2/π) · (u + 0.044715 · u³)))
    const cube = this.b.op('Mul', [this.b.op('Mul', [u, u]), u]);
    const inner = this.b.op('Add', [u, this.b.op('Mul', [cube, this.b.float32(0.044715)])]);
    const t = this.b.op('Tanh', [this.b.op('Mul', [inner, this.b.float32(Math.sqrt(2 / Math.PI))])]);
    return this.b.op('Mul', [
      this.b.op('Mul', [u, this.b.float32(0.5)]),
      this.b.op('Add', [t, this.b.float32(1)]),
    ]);
  }
}
