/**
 * One decoder under test, in its own process (so its peak RSS is its own): this project's (`ours`, any weight
 * format) or transformers.js (`tjs`, its dtype) on the same export folder. Loads once, then on each request
 * greedily decodes `newTokens` after the prompt and answers with the time to the first token, the decode rate
 * after it, the tokens and the peak RSS. Driven over IPC by decode.bench.ts.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { greedyDecode } from '../src/student/infer/decoder';
import type { WeightFormat } from '../src/student/infer/graphWeights';
import { openInferenceModel } from '../src/student/infer/open';

export interface DecodeRequest {
  readonly prompt: number[];
  readonly newTokens: number;
}

export interface DecodeReply {
  readonly ttftMs: number;
  /** Tokens per second after the first token. */
  readonly tokensPerS: number;
  readonly tokens: number[];
  readonly peakRssMiB: number;
}

type Runner = ((request: DecodeRequest) => Promise<DecodeReply>) & { threads?: string };

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

async function ours(folder: string, weights: WeightFormat): Promise<Runner> {
  const model = await openInferenceModel(folder, { weights });
  const run: Runner = async ({ prompt, newTokens }) => {
    const start = performance.now();
    let first = 0;
    const result = await greedyDecode(model.model, prompt, {
      maxNewTokens: newTokens,
      eosId: model.config.eosTokenId,
      stopAtEos: false,
      onToken: (_, index) => {
        if (index === 0) first = performance.now();
      },
    });
    const end = performance.now();
    return {
      ttftMs: first - start,
      tokensPerS: (newTokens - 1) / ((end - first) / 1000),
      tokens: result.tokenIds,
      peakRssMiB: peakRssMiB(),
    };
  };
  run.threads = model.model.spinning ? 'spinning' : 'sleeping';
  return run;
}

async function transformersJs(folder: string, dtype: 'fp32' | 'q8' | 'q4'): Promise<Runner> {
  const { AutoModelForCausalLM, env, Tensor } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(folder);
  env.useFSCache = false;
  const model = await AutoModelForCausalLM.from_pretrained(path.basename(folder), { dtype, device: 'cpu' });
  return async ({ prompt, newTokens }) => {
    const stamps: number[] = [];
    const tokens: number[] = [];
    const start = performance.now();
    await model.generate({
      input_ids: new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]),
      max_new_tokens: newTokens,
      min_new_tokens: newTokens,
      do_sample: false,
      // put() gets the prompt first, then each generated token.
      streamer: {
        put(ids: bigint[][]) {
          stamps.push(performance.now());
          if (stamps.length > 1) tokens.push(Number(ids[0]![0]));
        },
        end() {},
      } as never,
    });
    const end = performance.now();
    return {
      ttftMs: stamps[1]! - start,
      tokensPerS: (newTokens - 1) / ((end - stamps[1]!) / 1000),
      tokens,
      peakRssMiB: peakRssMiB(),
    };
  };
}

async function main(): Promise<void> {
  const [engine, folder, format] = process.argv.slice(2) as [string, string, string];
  const started = performance.now();
  const run =
    engine === 'ours'
      ? await ours(folder, format as WeightFormat)
      : await transformersJs(folder, format as 'fp32' | 'q8' | 'q4');
  process.send!({
    ready: true,
    loadMs: performance.now() - started,
    peakRssMiB: peakRssMiB(),
    threads: run.threads ?? 'onnxruntime default',
  });
  process.on('message', (request: DecodeRequest | 'exit') => {
    if (request === 'exit') process.exit(0);
    run(request).then(
      (reply) => process.send!(reply),
      (error: unknown) => process.send!({ error: String(error) }),
    );
  });
}

if (require.main === module) void main();
