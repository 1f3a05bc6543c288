// `miniastrolm export-model`: a trained student as a folder transformers.js, Python tools and `explain` load.
import { ExitCode, MiniAstroError } from '../../core/errors';
import { loadGenerationConfig } from '../../student/config/generationConfig';
import { exportForInference, WEIGHT_FORMATS } from '../../student/infer';
import { choiceOption, parseCommandArgs } from '../args';
import type { Command } from '../command';

export const exportModelCommand: Command = {
  name: 'export-model',
  summary:
    'Export a trained student for inference (ONNX with a KV cache, 8/4-bit weights, HF tokenizer files)',
  usage: `miniastrolm export-model --model DIR --out DIR [--weights float32|int8|int4] [--config FILE] [--force] [--json]

DIR is a training run folder (its newest finished checkpoint), a checkpoint, or a Hugging Face GPT-2 folder; LoRA
adapters there (adapter_model.safetensors) are merged into the weights, so the export is plain GPT-2. The export
folder is a Hugging Face model folder that transformers.js (and Python's transformers / onnxruntime) load as it is:
config.json, generation_config.json, model.safetensors, tokenizer.json, tokenizer_config.json, vocab.json,
merges.txt, and onnx/model.onnx (float32, plain ONNX) with onnx/model_quantized.onnx (weights in 8 bits), plus a
manifest with the weights' sha256. \`miniastrolm explain --model OUT\` and the editor read it directly.

  --weights W     what explain uses by default: float32 (default), int8 (about 4x smaller in memory, faster), or
                  int4 (also writes onnx/model_q4.onnx: 4-bit projections, 8-bit embedding)
  --int8          the same as --weights int8
  --config FILE   generation settings to record (default configs/generation.yaml)
  --force         replace an existing non-empty folder that is not an export folder`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        model: { type: 'string' },
        out: { type: 'string' },
        int8: { type: 'boolean' },
        weights: { type: 'string' },
        config: { type: 'string' },
        force: { type: 'boolean' },
      },
      'export-model',
    );
    if (!values.model || !values.out) {
      throw new MiniAstroError(
        'usage',
        'export-model needs --model DIR and --out DIR.',
        'For example: miniastrolm export-model --model .miniastrolm/runs/student --out .miniastrolm/student-export',
      );
    }
    const weights = choiceOption(values.weights, 'weights', WEIGHT_FORMATS, values.int8 ? 'int8' : 'float32');
    if (values.int8 && weights !== 'int8') {
      throw new MiniAstroError('usage', `--int8 contradicts --weights ${weights}.`, 'Pass one of them.');
    }
    const result = await exportForInference(values.model, values.out, {
      generation: loadGenerationConfig(values.config),
      weights,
      force: values.force === true,
    });
    out.result(
      { dir: result.dir, files: result.files, manifest: result.manifest },
      `Exported ${values.model} to ${result.dir} (${result.files.join(', ')}).`,
    );
    return ExitCode.ok;
  },
};
