/**
 * GPT-2 hyper-parameters, read from and written to Hugging Face's `config.json` so a real GPT-2 checkpoint
 * loads unchanged and ours load in `transformers`. Settings that would change the computation in ways our
 * model does not implement (another activation, untied head, cross-attention...) are rejected at load time
 * rather than silently ignored.
 */
import { MiniAstroError } from '../../core/errors';

export type Gpt2Activation = 'gelu_new' | 'gelu_pytorch_tanh';

export interface Gpt2Config {
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  /** Longest sequence the position table covers (`n_positions`; old configs call it `n_ctx`). */
  readonly nPositions: number;
  readonly vocabSize: number;
  readonly layerNormEpsilon: number;
  /** Std of the normal initialisation; residual projections use initializerRange / sqrt(2 * nLayer). */
  readonly initializerRange: number;
  /** Both names compute the tanh approximation of GELU; kept as read so a round trip is exact. */
  readonly activationFunction: Gpt2Activation;
  readonly attnPdrop: number;
  readonly embdPdrop: number;
  readonly residPdrop: number;
  readonly bosTokenId: number;
  readonly eosTokenId: number;
  /**
   * Keys of the config.json we read that we do not model (task_specific_params, summary_*, ...), written back
   * unchanged so saving a loaded checkpoint loses nothing.
   */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The GPT-2 release everyone means by "gpt2": 124M parameters. */
export const gpt2Small: Gpt2Config = Object.freeze({
  nLayer: 12,
  nHead: 12,
  nEmbd: 768,
  nPositions: 1024,
  vocabSize: 50257,
  layerNormEpsilon: 1e-5,
  initializerRange: 0.02,
  activationFunction: 'gelu_new',
  attnPdrop: 0.1,
  embdPdrop: 0.1,
  residPdrop: 0.1,
  bosTokenId: 50256,
  eosTokenId: 50256,
});

/**
 * A GPT-2-shaped config small enough for tests to build, save and load in milliseconds. The end-of-text id is
 * the last vocabulary entry, as in GPT-2.
 */
export function tinyGpt2Config(overrides: Partial<Gpt2Config> = {}): Gpt2Config {
  const vocabSize = overrides.vocabSize ?? 96;
  return validateConfig({
    ...gpt2Small,
    nLayer: 2,
    nHead: 2,
    nEmbd: 16,
    nPositions: 32,
    vocabSize,
    bosTokenId: vocabSize - 1,
    eosTokenId: vocabSize - 1,
    ...overrides,
  });
}

const HINT_CONFIG =
  'Use a GPT-2 config.json as written by Hugging Face transformers (model_type "gpt2"), e.g. the one from ' +
  'openai-community/gpt2.';

function bad(where: string, what: string, hint = HINT_CONFIG): MiniAstroError {
  return new MiniAstroError('badInput', `${where}: ${what}`, hint);
}

/** Throws MiniAstroError('badInput') naming the field; returns the config for chaining. */
export function validateConfig(config: Gpt2Config, where = 'GPT-2 config'): Gpt2Config {
  const positiveInts: [keyof Gpt2Config, string][] = [
    ['nLayer', 'n_layer'],
    ['nHead', 'n_head'],
    ['nEmbd', 'n_embd'],
    ['nPositions', 'n_positions'],
    ['vocabSize', 'vocab_size'],
  ];
  for (const [key, hf] of positiveInts) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw bad(where, `${hf} (${key}) must be a positive integer, got ${JSON.stringify(value)}`);
    }
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw bad(
      where,
      `n_embd (${config.nEmbd}) must be a multiple of n_head (${config.nHead}) so each head gets n_embd / n_head dims`,
    );
  }
  const positives: [keyof Gpt2Config, string][] = [
    ['layerNormEpsilon', 'layer_norm_epsilon'],
    ['initializerRange', 'initializer_range'],
  ];
  for (const [key, hf] of positives) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw bad(where, `${hf} (${key}) must be a positive number, got ${JSON.stringify(value)}`);
    }
  }
  const probabilities: [keyof Gpt2Config, string][] = [
    ['attnPdrop', 'attn_pdrop'],
    ['embdPdrop', 'embd_pdrop'],
    ['residPdrop', 'resid_pdrop'],
  ];
  for (const [key, hf] of probabilities) {
    const value = config[key];
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw bad(
        where,
        `${hf} (${key}) must be a dropout probability in [0, 1), got ${JSON.stringify(value)}`,
      );
    }
  }
  for (const [key, hf] of [
    ['bosTokenId', 'bos_token_id'],
    ['eosTokenId', 'eos_token_id'],
  ] as const) {
    const value = config[key];
    if (!Number.isSafeInteger(value) || value < 0 || value >= config.vocabSize) {
      throw bad(
        where,
        `${hf} (${key}) must be a token id below vocab_size ${config.vocabSize}, got ${value}`,
      );
    }
  }
  if (config.activationFunction !== 'gelu_new' && config.activationFunction !== 'gelu_pytorch_tanh') {
    throw bad(
      where,
      `activation_function ${JSON.stringify(config.activationFunction)} is not supported`,
      'GPT-2 uses "gelu_new" (the tanh approximation); other activations would need a different model.',
    );
  }
  return config;
}

/** Weights in the model, counting the tied output head once (it is the token embedding). */
export function parameterCount(config: Gpt2Config): number {
  const d = config.nEmbd;
  const perLayer =
    2 * d + // ln_1
    d * 3 * d +
    3 * d + // attn.c_attn
    d * d +
    d + // attn.c_proj
    2 * d + // ln_2
    d * 4 * d +
    4 * d + // mlp.c_fc
    4 * d * d +
    d; // mlp.c_proj
  return config.vocabSize * d + config.nPositions * d + config.nLayer * perLayer + 2 * d;
}

// ---- config.json ---------------------------------------------------------------------------------------------

/** Keys we translate to and from Gpt2Config fields; everything else is carried in `extra`. */
const KNOWN_KEYS = new Set([
  'n_layer',
  'n_head',
  'n_embd',
  'n_positions',
  'n_ctx',
  'vocab_size',
  'layer_norm_epsilon',
  'initializer_range',
  'activation_function',
  'attn_pdrop',
  'embd_pdrop',
  'resid_pdrop',
  'bos_token_id',
  'eos_token_id',
  'model_type',
  'architectures',
  'tie_word_embeddings',
  'n_inner',
  'scale_attn_weights',
  'scale_attn_by_inverse_layer_idx',
  'add_cross_attention',
  // Storage precision of the weights beside the config: we hold float32 whatever was stored, and write it anew.
  'torch_dtype',
  'dtype',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a parsed config.json. Missing optional keys take GPT2Config's defaults (as transformers does);
 * settings our model cannot honour are errors that name the key.
 */
export function configFromHfJson(json: unknown, where = 'config.json'): Gpt2Config {
  if (!isRecord(json)) throw bad(where, 'must be a JSON object');
  const number = (key: string, fallback?: number): number => {
    const value = json[key];
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      throw bad(where, `missing "${key}"`);
    }
    if (typeof value !== 'number')
      throw bad(where, `"${key}" must be a number, got ${JSON.stringify(value)}`);
    return value;
  };
  const modelType = json['model_type'];
  if (modelType !== undefined && modelType !== 'gpt2') {
    throw bad(
      where,
      `model_type is ${JSON.stringify(modelType)}, expected "gpt2"`,
      'Only GPT-2 checkpoints (GPT2LMHeadModel) are supported.',
    );
  }
  if (json['tie_word_embeddings'] === false) {
    throw bad(
      where,
      'tie_word_embeddings is false, but our GPT-2 always shares the token embedding with the output head',
      'Use a checkpoint with tied embeddings (every GPT-2 release is).',
    );
  }
  if (json['add_cross_attention'] === true) {
    throw bad(where, 'add_cross_attention is true; encoder-decoder GPT-2 is not supported');
  }
  if (json['scale_attn_weights'] === false || json['scale_attn_by_inverse_layer_idx'] === true) {
    throw bad(
      where,
      'non-standard attention scaling (scale_attn_weights false or scale_attn_by_inverse_layer_idx true)',
      'Our attention divides scores by sqrt(head size), as GPT-2 does.',
    );
  }
  const nEmbd = number('n_embd');
  const nInner = json['n_inner'];
  if (nInner !== undefined && nInner !== null && nInner !== 4 * nEmbd) {
    throw bad(
      where,
      `n_inner ${JSON.stringify(nInner)} is not supported; the MLP is 4 * n_embd = ${4 * nEmbd}`,
    );
  }
  const activation = json['activation_function'] ?? 'gelu_new';
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) if (!KNOWN_KEYS.has(key)) extra[key] = value;
  const vocabSize = number('vocab_size', 50257);
  const config: Gpt2Config = {
    nLayer: number('n_layer'),
    nHead: number('n_head'),
    nEmbd,
    nPositions: number('n_positions', json['n_ctx'] == null ? 1024 : number('n_ctx')),
    vocabSize,
    layerNormEpsilon: number('layer_norm_epsilon', 1e-5),
    initializerRange: number('initializer_range', 0.02),
    activationFunction: activation as Gpt2Activation,
    attnPdrop: number('attn_pdrop', 0.1),
    embdPdrop: number('embd_pdrop', 0.1),
    residPdrop: number('resid_pdrop', 0.1),
    bosTokenId: number('bos_token_id', 50256),
    eosTokenId: number('eos_token_id', 50256),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
  return validateConfig(config, where);
}

/**
 * The config.json transformers writes for GPT2LMHeadModel, keys sorted as `save_pretrained` sorts them.
 * `n_ctx` is written too because older readers (and some conversion scripts) still look for it. `torchDtype`
 * names the precision of the weights saved beside it (a config read from a half-precision checkpoint carries
 * "float16", which must not survive into a float32 save).
 */
export function configToHfJson(
  config: Gpt2Config,
  options: { torchDtype?: 'float32' | 'float16' | 'bfloat16' } = {},
): Record<string, unknown> {
  validateConfig(config);
  const torchDtype = options.torchDtype ?? 'float32';
  const json: Record<string, unknown> = {
    ...config.extra,
    torch_dtype: torchDtype,
    activation_function: config.activationFunction,
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: config.attnPdrop,
    bos_token_id: config.bosTokenId,
    embd_pdrop: config.embdPdrop,
    eos_token_id: config.eosTokenId,
    initializer_range: config.initializerRange,
    layer_norm_epsilon: config.layerNormEpsilon,
    model_type: 'gpt2',
    n_ctx: config.nPositions,
    n_embd: config.nEmbd,
    n_head: config.nHead,
    n_inner: null,
    n_layer: config.nLayer,
    n_positions: config.nPositions,
    resid_pdrop: config.residPdrop,
    tie_word_embeddings: true,
    vocab_size: config.vocabSize,
  };
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The generation_config.json transformers derives from a GPT-2 config. */
export function generationConfigJson(config: Gpt2Config): Record<string, unknown> {
  return { _from_model_config: true, bos_token_id: config.bosTokenId, eos_token_id: config.eosTokenId };
}
