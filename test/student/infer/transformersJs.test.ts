// The export folder in the ecosystem: @huggingface/transformers (transformers.js) loads it unchanged and offline —
// tokenizer.json and tokenizer_config.json, config.json, onnx/model.onnx and onnx/model_quantized.onnx with
// past_key_values / present names and [batch, seq, vocab] logits — and its greedy tokens equal this project's
// decoder on the same folder, in float32 and in 8 bits.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import { greedyDecode } from '../../../src/student/infer/decoder';
import { exportForInference } from '../../../src/student/infer/export';
import { openInferenceModel } from '../../../src/student/infer/open';
import { defaultTokenizer } from '../../../src/student/tokenizer';
import { tinyModelFolder } from './helpers';

const TEXT = 'Abstract:\nA magnetar flare heats the crust; the <|endoftext|> tail fades.\n\nExplanation:\n';

test('transformers.js loads an export folder offline and its greedy tokens equal ours (fp32 and q8)', async (t) => {
  const { root, dir } = tinyModelFolder(t, { nEmbd: 32 }, 21);
  await exportForInference(dir, path.join(root, 'models', 'student'));
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.join(root, 'models');
  env.useFSCache = false;

  const tokenizer = await AutoTokenizer.from_pretrained('student');
  const ours = defaultTokenizer();
  assert.deepEqual(tokenizer.encode(TEXT), ours.encode(TEXT, { allowSpecial: true }));
  const prompt = ours.encode(TEXT);
  assert.equal(tokenizer.decode(prompt), TEXT);

  for (const [dtype, weights] of [
    ['fp32', 'float32'],
    ['q8', 'int8'],
  ] as const) {
    const model = await AutoModelForCausalLM.from_pretrained('student', { dtype, device: 'cpu' });
    const inputIds = new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
    const output = (await model.generate({
      input_ids: inputIds,
      attention_mask: new Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]),
      max_new_tokens: 24,
      do_sample: false,
    })) as Tensor;
    const theirs = Array.from(output.data as BigInt64Array, Number).slice(prompt.length);
    await model.dispose();

    const opened = await openInferenceModel(path.join(root, 'models', 'student'), { weights });
    const mine = await greedyDecode(opened.model, prompt, {
      maxNewTokens: 24,
      eosId: opened.config.eosTokenId,
    });
    await opened.release();
    t.diagnostic(`${dtype}: ${theirs.length} tokens, ${new Set(theirs).size} distinct`);
    assert.deepEqual(theirs, mine.tokenIds, dtype);
    assert.ok(new Set(theirs).size >= 5, 'a varied sequence, not one token repeated');
  }
});
