// LoRA adapters in the graph: their gradients against central finite differences (float64, every entry), no
// gradient for the frozen base, step-0 adapters (B = 0) leave the logits bit-identical, and merging
// W + (alpha/r)·A@B into the weights gives the unmerged graph's logits.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gpt2Params } from '../../../src/student/graph/gpt2';
import { buildLogitsGraph } from '../../../src/student/graph/logits';
import { type LoraShape, loraParams, targetedModules } from '../../../src/student/graph/lora';
import { buildLossGraph } from '../../../src/student/graph/loss';
import { openSession } from '../../../src/student/graph/session';
import { mergeLora } from '../../../src/student/model/lora';
import { initLoraAdapters } from '../../../src/student/train/lora';
import { type Feed, f64, finiteDifferenceCheck, numbers, randn, run } from './helpers';
import { idFeed, paramFeeds, randomIds, randomParams, TINY } from './reference';

const ALL: LoraShape = { rank: 2, alpha: 3, targets: ['c_attn', 'c_proj', 'c_fc'] };
const params = randomParams(TINY, 3);
const ids = randomIds(2, 5, TINY.vocabSize, 21);
const labels = ids.map((row, b) => row.map((id, i) => (i > 0 && i <= b + 1 ? -100 : id)));
const batch = { input_ids: idFeed(ids), labels: idFeed(labels) };

/** Random adapters (B too, so every A gets a gradient) as float64 feeds. */
function adapterFeeds(lora: LoraShape, seed: number, scale = 0.3): Record<string, Feed> {
  const out: Record<string, Feed> = {};
  loraParams(TINY, lora).forEach((s, i) => {
    out[s.name] = f64(randn(s.shape[0]! * s.shape[1]!, seed * 100 + i, scale), s.shape);
  });
  return out;
}

const f32 = (feeds: Record<string, Feed>): Record<string, Feed> =>
  Object.fromEntries(
    Object.entries(feeds).map(([k, f]) => [
      k,
      f.dtype === 'float64' ? { ...f, dtype: 'float32', data: Float32Array.from(f.data as Float64Array) } : f,
    ]),
  );

test('targets resolve to block modules: c_proj means both projections, attn.c_proj only one', () => {
  assert.deepEqual(targetedModules(['c_attn', 'c_proj', 'c_fc']), [
    'attn.c_attn',
    'attn.c_proj',
    'mlp.c_fc',
    'mlp.c_proj',
  ]);
  assert.deepEqual(targetedModules(['mlp.c_proj']), ['mlp.c_proj']);
  assert.deepEqual(
    loraParams(TINY, { rank: 3, alpha: 1, targets: ['c_attn'] }).map((s) => `${s.name} [${s.shape}]`),
    [
      'h.0.attn.c_attn.lora_A [8,3]',
      'h.0.attn.c_attn.lora_B [3,24]',
      'h.1.attn.c_attn.lora_A [8,3]',
      'h.1.attn.c_attn.lora_B [3,24]',
    ],
  );
  assert.throws(() => targetedModules(['q_proj']), /names no GPT-2 Conv1D module/);
});

test('float64: every entry of every adapter gradient matches central differences; the base gets none', async (t) => {
  const { graph } = buildLossGraph(TINY, { dtype: 'float64', vocabChunks: 3, lora: ALL });
  const outputs = graph.outputs.map((v) => v.name);
  assert.ok(!outputs.some((n) => n === 'grad.wte.weight' || n.endsWith('.weight')), 'no base gradients');
  const names = loraParams(TINY, ALL).map((s) => s.name);
  assert.deepEqual(
    outputs.filter((n) => n.startsWith('grad.')),
    names.map((n) => `grad.${n}`),
  );
  const session = await openSession(graph);
  const feeds = { ...paramFeeds(TINY, params), ...adapterFeeds(ALL, 4), ...batch };
  const result = await finiteDifferenceCheck(session, feeds, names);
  const worst = Object.entries(result.perTensor).sort((a, b) => b[1] - a[1])[0]!;
  t.diagnostic(
    `max relative error ${result.maxRelError.toExponential(2)} (${worst[0]}), ${names.length} tensors`,
  );
  assert.ok(result.maxRelError < 1e-7, JSON.stringify(result.perTensor));
  // Gradients are not trivially zero.
  const out = await run(session, feeds);
  assert.ok(numbers(out['grad.h.1.mlp.c_proj.lora_B']).some((x) => Math.abs(x) > 1e-6));
});

test('fresh adapters (B = 0) give bit-identical logits and loss to the base model', async () => {
  const lora: LoraShape = { rank: 4, alpha: 16, targets: ['c_attn', 'c_proj', 'c_fc'] };
  const specs = loraParams(TINY, lora);
  const init = initLoraAdapters(specs, 7);
  assert.ok(
    init.get('h.0.attn.c_attn.lora_A')!.some((x) => x !== 0),
    'A is random',
  );
  assert.ok(
    specs.every((s) => !s.name.endsWith('lora_B') || init.get(s.name)!.every((x) => x === 0)),
    'B is 0',
  );
  const bound = 1 / Math.sqrt(TINY.nEmbd);
  assert.ok(init.get('h.0.attn.c_attn.lora_A')!.every((x) => Math.abs(x) <= bound));
  const adapters: Record<string, Feed> = {};
  for (const s of specs) adapters[s.name] = { dtype: 'float32', data: init.get(s.name)!, dims: s.shape };
  const base = f32(paramFeeds(TINY, params));
  const ids1 = { input_ids: batch.input_ids };
  const plain = await openSession(buildLogitsGraph(TINY, { dtype: 'float32', positions: 'all' }));
  const withAdapters = await openSession(
    buildLogitsGraph(TINY, { dtype: 'float32', positions: 'all', lora }),
  );
  const a = await run(plain, { ...base, ...ids1 });
  const b = await run(withAdapters, { ...base, ...adapters, ...ids1 });
  assert.deepEqual(numbers(b['logits']), numbers(a['logits']));
});

test('merged weights (W + alpha/r · A@B) give the unmerged adapter graph logits within 1e-5', async (t) => {
  const lora: LoraShape = { rank: 3, alpha: 6, targets: ['c_attn', 'mlp.c_proj'] };
  const adapters = f32(adapterFeeds(lora, 9, 0.2));
  const base = f32(paramFeeds(TINY, params));
  const weights = new Map(
    gpt2Params(TINY).map((s) => [s.name, { shape: s.shape, data: base[s.name]!.data as Float32Array }]),
  );
  const tensors = new Map(
    loraParams(TINY, lora).map((s) => [
      s.name,
      { shape: s.shape, data: adapters[s.name]!.data as Float32Array },
    ]),
  );
  const merged = mergeLora(weights, { settings: { ...lora, targets: [...lora.targets] }, tensors });
  assert.equal(
    merged.get('h.0.attn.c_proj.weight'),
    weights.get('h.0.attn.c_proj.weight'),
    'untargeted: shared',
  );
  assert.notDeepEqual(merged.get('h.0.mlp.c_proj.weight')!.data, weights.get('h.0.mlp.c_proj.weight')!.data);
  const mergedFeeds: Record<string, Feed> = {};
  for (const [name, w] of merged) mergedFeeds[name] = { dtype: 'float32', data: w.data, dims: w.shape };
  const plain = await openSession(buildLogitsGraph(TINY, { dtype: 'float32', positions: 'all' }));
  const unmerged = await openSession(buildLogitsGraph(TINY, { dtype: 'float32', positions: 'all', lora }));
  const a = numbers((await run(plain, { ...mergedFeeds, input_ids: batch.input_ids }))['logits']);
  const b = numbers((await run(unmerged, { ...base, ...adapters, input_ids: batch.input_ids }))['logits']);
  const c = numbers((await run(plain, { ...base, input_ids: batch.input_ids }))['logits']);
  let diff = 0;
  let moved = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    moved = Math.max(moved, Math.abs(b[i]! - c[i]!));
  }
  t.diagnostic(
    `merged vs unmerged: max |Δlogit| ${diff.toExponential(2)}; the adapters moved logits by ${moved.toFixed(3)}`,
  );
  assert.ok(diff < 1e-5, `${diff}`);
  assert.ok(moved > 1e-2, 'the adapters matter');
});
