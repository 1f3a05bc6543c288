import { ExitCode, MiniAstroError } from '../../core/errors';
import { loadGenerationConfig } from '../../student/config/generationConfig';
import { exportForInference } from '../../student/infer';
import { parseCommandArgs } from '../args';
import type { Command } from '../command';

export const exportModelCommand: Command = {
  name: 'export-model',
  summary: 'Export a trained student for inference (plain ONNX with a KV cache, tokenizer, settings)',
  usage: `miniastrolm export-model --model DIR --out DIR [--int8] [--config FILE] [--force] [--json]

DIR is a training run folder (its newest finished checkpoint), a checkpoint, or a Hugging Face GPT-2 folder; LoRA
adapters there (adapter_model.safetensors) are merged into the weights, so the export is plain GPT-2. The
export folder holds model.onnx (plain ONNX, weights inside), config.json, generation_config.json, the tokenizer
files and a manifest with the weights' sha256; \`miniastrolm explain --model OUT\` and the editor read it directly.

  --int8          weight-only int8 (about 4x smaller model.onnx)
  --config FILE   generation settings to record (default configs/generation.yaml)
  --force         replace an existing non-empty folder that is not an export folder`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        model: { type: 'string' },
        out: { type: 'string' },
        int8: { type: 'boolean' },
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
    const result = await exportForInference(values.model, values.out, {
      generation: loadGenerationConfig(values.config),
      int8: values.int8 === true,
      force: values.force === true,
    });
    out.result(
      { dir: result.dir, files: result.files, manifest: result.manifest },
      `Exported ${values.model} to ${result.dir} (${result.files.join(', ')}).`,
    );
    return ExitCode.ok;
  },
};
