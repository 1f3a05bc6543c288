// Greedy decoding: the KV cache changes nothing but speed (token for token equal to full recompute), and each
// stop reason happens when it should.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greedyDecode } from '../../../src/student/infer/decoder';
import type { LogitsProcessor } from '../../../src/student/infer/logitsProcessors';
import { minNewTokens } from '../../../src/student/infer/logitsProcessors';
import { kvModelFromWeights } from '../../../src/student/infer/open';
import { initGpt2Weights, tinyGpt2Config } from '../../../src/student/model';
import { defaultTokenizer } from '../../../src/student/tokenizer';
import { tinyTextConfig } from './helpers';

test('greedy decoding with the KV cache equals full recompute, token for token', async (t) => {
  const cases = [
    {
      config: tinyGpt2Config({ nPositions: 64, initializerRange: 0.3 }),
      seed: 3,
      prompt: [5, 17, 42, 8, 8, 91],
    },
    { config: tinyGpt2Config({ nPositions: 64, initializerRange: 0.5, nLayer: 3 }), seed: 4, prompt: [1] },
    {
      config: tinyTextConfig(),
      seed: 5,
      prompt: defaultTokenizer().encode('Abstract:\nMagnetars spin down.\n\nExplanation:\n'),
    },
  ];
  for (const { config, seed, prompt } of cases) {
    const model = await kvModelFromWeights(config, initGpt2Weights(config, { seed }));
    const options = { maxNewTokens: 40, eosId: config.eosTokenId, stopAtEos: false };
    const cached = await greedyDecode(model, prompt, options);
    const full = await greedyDecode(model, prompt, { ...options, useCache: false });
    const distinct = new Set(cached.tokenIds).size;
    t.diagnostic(
      `vocab ${config.vocabSize}, ${config.nLayer} layers: ${cached.tokenIds.length} tokens, ${distinct} distinct; ` +
        `cache ${cached.timings.msPerToken.toFixed(2)} ms/token, recompute ${full.timings.msPerToken.toFixed(2)} ms/token`,
    );
    assert.deepEqual(cached.tokenIds, full.tokenIds);
    assert.equal(cached.tokenIds.length, 40);
    assert.ok(distinct >= 5, `the random model should not collapse to one token (${distinct} distinct)`);
    await model.release();
  }
});

const forceEos =
  (eosId: number): LogitsProcessor =>
  (logits) => {
    logits[eosId] = 1e9;
  };

test('stop reasons: max_tokens, context (the sequence fills the positions), eos', async () => {
  const config = tinyGpt2Config({ nPositions: 12, initializerRange: 0.3 });
  const model = await kvModelFromWeights(config, initGpt2Weights(config, { seed: 7 }));
  const eosId = config.eosTokenId;
  const noEos: LogitsProcessor = (logits) => {
    logits[eosId] = Number.NEGATIVE_INFINITY;
  };

  const max = await greedyDecode(model, [1, 2, 3], { maxNewTokens: 4, eosId, processors: [noEos] });
  assert.equal(max.stop, 'max_tokens');
  assert.equal(max.tokenIds.length, 4);
  assert.equal(max.timings.steps, 3);

  // 5 prompt tokens + 7 generated = 12 positions: full, although 50 were allowed.
  const context = await greedyDecode(model, [1, 2, 3, 4, 5], {
    maxNewTokens: 50,
    eosId,
    processors: [noEos],
  });
  assert.equal(context.stop, 'context');
  assert.equal(context.tokenIds.length, 7);
  for (const useCache of [true, false]) {
    const again = await greedyDecode(model, [1, 2, 3, 4, 5], {
      maxNewTokens: 50,
      eosId,
      processors: [noEos],
      useCache,
    });
    assert.deepEqual(again.tokenIds, context.tokenIds);
  }
  // When max_tokens and context coincide, max_tokens wins; EOS wins over both.
  assert.equal(
    (await greedyDecode(model, [1, 2, 3, 4, 5], { maxNewTokens: 7, eosId, processors: [noEos] })).stop,
    'max_tokens',
  );

  const eos = await greedyDecode(model, [1, 2, 3], {
    maxNewTokens: 10,
    eosId,
    processors: [forceEos(eosId), minNewTokens(3, eosId)],
    tokenizer: defaultTokenizer(),
  });
  assert.equal(eos.stop, 'eos');
  assert.equal(eos.tokenIds.length, 4, 'three tokens, then the EOS');
  assert.equal(eos.tokenIds[3], eosId);
  assert.ok(eos.tokenIds.slice(0, 3).every((id) => id !== eosId));
  assert.equal(eos.text, defaultTokenizer().decode(eos.tokenIds.slice(0, 3)), 'text leaves out the EOS');

  const immediate = await greedyDecode(model, [1, 2, 3], {
    maxNewTokens: 10,
    eosId,
    processors: [forceEos(eosId)],
  });
  assert.deepEqual(immediate.tokenIds, [eosId]);
  assert.equal(immediate.stop, 'eos');
  assert.equal(immediate.timings.steps, 0);
  assert.equal(immediate.timings.msPerToken, 0);

  // stopAtEos false: the EOS is just another token.
  const through = await greedyDecode(model, [1, 2, 3], {
    maxNewTokens: 3,
    eosId,
    stopAtEos: false,
    processors: [forceEos(eosId)],
  });
  assert.deepEqual(through.tokenIds, [eosId, eosId, eosId]);
  assert.equal(through.stop, 'max_tokens');
  await model.release();
});

test('bad prompts are refused before the model runs', async () => {
  const config = tinyGpt2Config({ nPositions: 8 });
  const model = await kvModelFromWeights(config, initGpt2Weights(config, { seed: 1 }));
  const options = { maxNewTokens: 2, eosId: config.eosTokenId };
  await assert.rejects(greedyDecode(model, [], options), /prompt is empty/);
  await assert.rejects(greedyDecode(model, [1, 2, 3, 4, 5, 6, 7, 8], options), /no room/);
  await assert.rejects(greedyDecode(model, [1, config.vocabSize], options), /outside the model's vocabulary/);
  await assert.rejects(greedyDecode(model, [1], { ...options, maxNewTokens: 0 }), /maxNewTokens/);
  await model.release();
});

test('onToken streams every chosen id in order; an aborted signal stops decoding', async () => {
  const config = tinyGpt2Config({ nPositions: 32, initializerRange: 0.3 });
  const model = await kvModelFromWeights(config, initGpt2Weights(config, { seed: 2 }));
  const seen: number[] = [];
  const result = await greedyDecode(model, [4, 5], {
    maxNewTokens: 6,
    eosId: config.eosTokenId,
    stopAtEos: false,
    onToken: (id, index) => {
      assert.equal(index, seen.length);
      seen.push(id);
    },
  });
  assert.deepEqual(seen, result.tokenIds);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    greedyDecode(model, [4, 5], { maxNewTokens: 6, eosId: config.eosTokenId, signal: controller.signal }),
    { name: 'AbortError' },
  );
  await model.release();
});
