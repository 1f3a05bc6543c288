/**
 * Design goal: the graph the decoder runs for every token, built so that no step copies the KV cache and few
 * kernels run per token. Batch size 1 (one abstract at a time).
 *
 * The cache lives in the decoder's own buffers, token-major: row r holds position r - 1's keys (or values) for
 * every head, [rows, H, D]. Row 0 is a sentinel (zeros, masked out), so the cache fed is never empty. Each step
 * feeds the filled prefix of each buffer as a view — onnxruntime-node wraps a typed array's memory without
 * copying it — and gets back only the S new rows, which the decoder writes after the prefix. Attention reads
 * the token-major rows in place: com.microsoft FusedMatMul's transBatch attributes treat [P, H, D] as H
 * matrices [P, D] through strides, so neither the cache nor its transpose is ever materialised.
 *
 * Per step: inputs `input_ids` [1, S] and `cache.<i>.key/value` [P + 1, H, D] (P positions held); outputs
 * `logits` [1, V] (last position) and `new.<i>.key/value` [S, H, D]. Per layer: SkipLayerNormalization,
 * the QKV projection, two FusedMatMul for scores (cache, new), Softmax, two for the values, the output
 * projection, SkipLayerNormalization, the MLP with FastGelu (about 20 kernels instead of ~55).
 */
import type { Gpt2Config } from '../model';
import type { GraphWeights } from './graphWeights';
import { LayerEmitter, MS_DOMAIN } from './layerEmitter';
import { OnnxBuilder } from './onnxBuilder';
import { withQueryScaled } from './queryScale';

export const cacheName = (i: number, kind: 'key' | 'value') => `cache.${i}.${kind}`;
export const newRowsName = (i: number, kind: 'key' | 'value') => `new.${i}.${kind}`;

/** Added to masked attention scores; finite so a fully masked row could never produce NaN. */
const MASKED = -1e30;

export const DECODER_OPSETS = { '': 17, [MS_DOMAIN]: 1 } as const;

export function decoderGraph(config: Gpt2Config, weights: GraphWeights, accuracyLevel?: number): OnnxBuilder {
  const b = new OnnxBuilder('miniastrolm_decoder');
  const H = config.nHead;
  const C = config.nEmbd;
  const D = C / H;
  // q leaves the QKV projection already scaled by 1/√D (queryScale.ts), so the score MatMuls run with alpha 1.
  const e = new LayerEmitter(b, config, withQueryScaled(config, weights, 1 / Math.sqrt(D)), {
    fused: true,
    ...(accuracyLevel !== undefined ? { accuracyLevel } : {}),
  });

  b.input('input_ids', 'int64', [1, 'S']);
  for (let i = 0; i < config.nLayer; i++) {
    b.input(cacheName(i, 'key'), 'float32', ['R', H, D]);
    b.input(cacheName(i, 'value'), 'float32', ['R', H, D]);
  }
  const ids = b.op('Reshape', ['input_ids', b.int64([-1])]); // [S]
  const rowsVec = b.op('Shape', [cacheName(0, 'key')], { start: 0, end: 1 }); // [R] = [P + 1]
  const newVec = b.op('Shape', [ids]); // [S]
  const scalar = (v: string) => b.op('Squeeze', [v, b.int64([0])]);
  const held = b.op('Sub', [scalar(rowsVec), b.int64(1)]); // P
  const one = b.int64(1);
  const positions = b.op('Range', [held, b.op('Add', [held, scalar(newVec)]), one]); // [S]: P .. P+S-1

  // One additive mask [S, R + S] shared by every layer: the sentinel row masked, the cache visible, the new rows
  // causal (column R + j is new row j: visible from new row i when j ≤ i).
  const rowIndex = b.op('Range', [b.int64(0), scalar(rowsVec), one]);
  const newIndex = b.op('Range', [b.int64(0), scalar(newVec), one]);
  const column = b.op('Concat', [b.op('Sub', [rowIndex, scalar(rowsVec)]), newIndex], { axis: 0 }); // [R + S]
  const visible = b.op('And', [
    b.op('GreaterOrEqual', [
      b.op('Unsqueeze', [newIndex, b.int64([1])]),
      b.op('Unsqueeze', [column, b.int64([0])]),
    ]),
    b.op('Unsqueeze', [b.op('Not', [b.op('Equal', [column, b.op('Neg', [scalar(rowsVec)])])]), b.int64([0])]),
  ]);
  const bias = b.op('Where', [visible, b.float32(0), b.float32(MASKED)]);
  const splitSizes = b.op('Concat', [rowsVec, newVec], { axis: 0 }); // [R, S]
  const qkvHeads = b.int64([-1, 3 * H, D]);
  const scoreAttrs = { transA: 0, transB: 1, transBatchA: 1, transBatchB: 1 };

  const tokens = e.embedTokens(ids); // [S, C]
  const pos = b.op('Gather', [e.f32('wpe.weight'), positions], {}, { name: 'embed/wpe' });
  let { norm, sum } = e.addAndNorm(tokens, pos, undefined, 'h.0.ln_1');
  for (let i = 0; i < config.nLayer; i++) {
    const h = `h.${i}`;
    const qkv = e.linear(norm, `${h}.attn.c_attn`); // [S, 3C]
    // [S, 3C] → [S, 3H, D] → q, k, v as [S, H, D] each.
    const [q3, k3, v3] = b.node(
      'Split',
      [b.op('Reshape', [qkv, qkvHeads])],
      { axis: 1 },
      {
        outputs: ['', newRowsName(i, 'key'), newRowsName(i, 'value')].map((n, j) => n || `${h}/q_${j}`),
        name: `${h}/split_qkv`,
      },
    );
    const fused = (a: string, m: string, attrs: Record<string, number>) =>
      b.op('FusedMatMul', [a, m], attrs, { domain: MS_DOMAIN });
    // Scores [H, S, R] against the cache and [H, S, S] among the new rows, then one mask and softmax over both.
    const scores = b.op(
      'Concat',
      [fused(q3!, cacheName(i, 'key'), scoreAttrs), fused(q3!, k3!, scoreAttrs)],
      {
        axis: 2,
      },
    );
    const probs = b.op('Softmax', [b.op('Add', [scores, bias])], { axis: -1 });
    const [pCached, pFresh] = b.node('Split', [probs, splitSizes], { axis: 2 }, { outputs: 2 });
    const valueAttrs = { transBatchB: 1 };
    const y = b.op('Add', [
      fused(pCached!, cacheName(i, 'value'), valueAttrs),
      fused(pFresh!, v3!, valueAttrs),
    ]); // [H, S, D]
    const merged = b.op('Reshape', [b.op('Transpose', [y], { perm: [1, 0, 2] }), b.int64([-1, C])]);
    const attn = e.linear(merged, `${h}.attn.c_proj`, false);
    const mid = e.addAndNorm(attn, sum, `${h}.attn.c_proj.bias`, `${h}.ln_2`);
    const hidden = e.gelu(e.linear(mid.norm, `${h}.mlp.c_fc`, false), `${h}.mlp.c_fc.bias`);
    const mlp = e.linear(hidden, `${h}.mlp.c_proj`, false);
    const next = i + 1 < config.nLayer ? `h.${i + 1}.ln_1` : 'ln_f';
    ({ norm, sum } = e.addAndNorm(mlp, mid.sum, `${h}.mlp.c_proj.bias`, next));
  }
  const last = b.op('Slice', [norm, b.int64([-1]), b.int64([2 ** 62]), b.int64([0])]); // [1, C]
  e.lmHead2d(last, 'logits');
  b.output('logits', 'float32', [1, config.vocabSize]);
  for (let i = 0; i < config.nLayer; i++) {
    b.output(newRowsName(i, 'key'), 'float32', ['S', H, D]);
    b.output(newRowsName(i, 'value'), 'float32', ['S', H, D]);
  }
  return b;
}
