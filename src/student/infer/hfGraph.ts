/**
 * Design goal: the model file other runtimes load unchanged — `@huggingface/transformers` (transformers.js),
 * Python onnxruntime, Optimum-style loops — with the inputs and outputs they feed and read for a GPT-2 decoder
 * with a KV cache:
 *   inputs  input_ids [B, S], attention_mask [B, P + S], position_ids [B, S],
 *           past_key_values.<i>.key / .value [B, H, P, D]
 *   outputs logits [B, S, V], present.<i>.key / .value [B, H, P + S, D]
 * The float32 file uses default-domain ONNX operators only (opset 17); the quantised files add com.microsoft's
 * MatMulNBits, which every onnxruntime build (node, web, python) implements on the CPU. Padding follows the
 * attention mask (a masked key is never attended), positions follow position_ids.
 */
import type { Gpt2Config } from '../model';
import type { GraphWeights } from './graphWeights';
import { LayerEmitter, MS_DOMAIN } from './layerEmitter';
import { OnnxBuilder } from './onnxBuilder';

export const pastKeyValuesName = (i: number, kind: 'key' | 'value') => `past_key_values.${i}.${kind}`;
export const presentName = (i: number, kind: 'key' | 'value') => `present.${i}.${kind}`;

export const HF_OPSET = 17;

const MASKED = -1e30;

/** Opsets a file built by `hfGraph` imports. */
export function hfOpsets(weights: GraphWeights): Record<string, number> {
  return weights.format === 'float32' ? { '': HF_OPSET } : { '': HF_OPSET, [MS_DOMAIN]: 1 };
}

export function hfGraph(config: Gpt2Config, weights: GraphWeights): OnnxBuilder {
  const b = new OnnxBuilder('miniastrolm_gpt2');
  const e = new LayerEmitter(b, config, weights, { fused: false });
  const H = config.nHead;
  const C = config.nEmbd;
  const D = C / H;
  b.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  b.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  b.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  for (let i = 0; i < config.nLayer; i++) {
    for (const kind of ['key', 'value'] as const) {
      b.input(pastKeyValuesName(i, kind), 'float32', ['batch_size', H, 'past_sequence_length', D]);
    }
  }

  // Additive attention bias [B, 1, S, T]: query i (absolute position P + i) sees keys j ≤ P + i whose mask is 1.
  const scalar = (v: string) => b.op('Squeeze', [v, b.int64([0])]);
  const total = scalar(b.op('Shape', ['attention_mask'], { start: 1, end: 2 }));
  const fresh = scalar(b.op('Shape', ['input_ids'], { start: 1, end: 2 }));
  const one = b.int64(1);
  const queryPos = b.op('Range', [b.op('Sub', [total, fresh]), total, one]);
  const keyPos = b.op('Range', [b.int64(0), total, one]);
  const causal = b.op('GreaterOrEqual', [
    b.op('Unsqueeze', [queryPos, b.int64([1])]),
    b.op('Unsqueeze', [keyPos, b.int64([0])]),
  ]);
  const present = b.op('Unsqueeze', [b.op('Cast', ['attention_mask'], { to: 9 }), b.int64([1, 2])]);
  const bias = b.op('Where', [b.op('And', [causal, present]), b.float32(0), b.float32(MASKED)]);
  const scale = b.float32(1 / Math.sqrt(D));
  const heads = (x: string) =>
    b.op('Transpose', [b.op('Reshape', [x, b.int64([0, 0, H, D])])], { perm: [0, 2, 1, 3] });

  const tokens = e.embedTokens('input_ids');
  const pos = b.op('Gather', [e.f32('wpe.weight'), 'position_ids'], {}, { name: 'embed/wpe' });
  let { norm, sum } = e.addAndNorm(tokens, pos, undefined, 'h.0.ln_1');
  for (let i = 0; i < config.nLayer; i++) {
    const h = `h.${i}`;
    const [q, k, v] = b.node('Split', [e.linear(norm, `${h}.attn.c_attn`)], { axis: 2 }, { outputs: 3 });
    const key = b.op(
      'Concat',
      [pastKeyValuesName(i, 'key'), heads(k!)],
      { axis: 2 },
      { output: presentName(i, 'key') },
    );
    const value = b.op(
      'Concat',
      [pastKeyValuesName(i, 'value'), heads(v!)],
      { axis: 2 },
      {
        output: presentName(i, 'value'),
      },
    );
    const scores = b.op('MatMul', [
      b.op('Mul', [heads(q!), scale]),
      b.op('Transpose', [key], { perm: [0, 1, 3, 2] }),
    ]);
    const probs = b.op('Softmax', [b.op('Add', [scores, bias])], { axis: -1 });
    const y = b.op('Transpose', [b.op('MatMul', [probs, value])], { perm: [0, 2, 1, 3] });
    const attn = e.linear(b.op('Reshape', [y, b.int64([0, 0, C])]), `${h}.attn.c_proj`, false);
    const mid = e.addAndNorm(attn, sum, `${h}.attn.c_proj.bias`, `${h}.ln_2`);
    const hidden = e.gelu(e.linear(mid.norm, `${h}.mlp.c_fc`, false), `${h}.mlp.c_fc.bias`);
    const mlp = e.linear(hidden, `${h}.mlp.c_proj`, false);
    const next = i + 1 < config.nLayer ? `h.${i + 1}.ln_1` : 'ln_f';
    ({ norm, sum } = e.addAndNorm(mlp, mid.sum, `${h}.mlp.c_proj.bias`, next));
  }
  // The head on [B·S, C] rows (Gemm / MatMulNBits), then back to [B, S, V].
  const rows = b.op('Reshape', [norm, b.int64([-1, C])]);
  const batchSeq = b.op('Shape', ['input_ids']);
  b.op(
    'Reshape',
    [e.lmHead2d(rows), b.op('Concat', [batchSeq, b.int64([config.vocabSize])], { axis: 0 })],
    {},
    {
      output: 'logits',
    },
  );
  b.output('logits', 'float32', ['batch_size', 'sequence_length', config.vocabSize]);
  for (let i = 0; i < config.nLayer; i++) {
    for (const kind of ['key', 'value'] as const) {
      b.output(presentName(i, kind), 'float32', ['batch_size', H, 'total_sequence_length', D]);
    }
  }
  return b;
}
