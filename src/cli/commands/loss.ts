import path from 'node:path';
import { ExitCode, MiniAstroError } from '../../core/errors';
import { choiceOption, intOption, parseCommandArgs } from '../args';
import type { Command } from '../command';

export const lossCommand: Command = {
  name: 'loss',
  summary: "Masked loss of a checkpoint on a curated JSONL file (HF's labels convention)",
  usage: `miniastrolm loss --checkpoint DIR --data FILE [options]

Mean loss over the supervised tokens of every example in FILE (total token loss / total supervised tokens), with
the prompt template and lengths the checkpoint was trained with (trainer_state.json; defaults for a plain Hugging
Face folder). Examples are batched in file order.

  --checkpoint DIR       checkpoint-<step> folder, or any Hugging Face GPT-2 folder
  --data FILE            curated JSONL rows (id, abstract, target_explanation, accepted: true)
  --batch-size N         examples per batch (default 8; the loss does not depend on it)
  --max-seq-len N        longest example in tokens (default: the training run's)
  --dump-batches FILE    also write the exact input_ids/labels used, one example per JSON line
  --device D             cpu (default) | cuda
  --json                 print {"loss": x, "supervised_tokens": n, ...} on the last line`,
  async run(argv, out) {
    const { values } = parseCommandArgs(
      argv,
      {
        checkpoint: { type: 'string' },
        data: { type: 'string' },
        'batch-size': { type: 'string' },
        'max-seq-len': { type: 'string' },
        'dump-batches': { type: 'string' },
        device: { type: 'string' },
      },
      'loss',
    );
    if (!values.checkpoint || !values.data) {
      throw new MiniAstroError(
        'usage',
        'loss needs --checkpoint DIR and --data FILE.',
        'For example: miniastrolm loss --checkpoint .miniastrolm/runs/student/checkpoint-100 --data data/curated.eval.jsonl',
      );
    }
    const maxSeqLen =
      values['max-seq-len'] === undefined
        ? undefined
        : intOption(values['max-seq-len'], 'max-seq-len', 1024, 2);
    // Loaded here, not at the top: ONNX Runtime stays out of every other command's start-up.
    const { checkpointLoss } = await import('../../student/train/evaluate');
    const result = await checkpointLoss({
      checkpoint: path.resolve(values.checkpoint),
      dataFile: path.resolve(values.data),
      batchSize: intOption(values['batch-size'], 'batch-size', 8, 1),
      ...(maxSeqLen !== undefined ? { maxSeqLen } : {}),
      ...(values['dump-batches'] ? { dumpFile: path.resolve(values['dump-batches']) } : {}),
      device: choiceOption(values.device, 'device', ['cpu', 'cuda'] as const, 'cpu'),
    });
    out.result(
      {
        loss: result.loss,
        supervised_tokens: result.supervisedTokens,
        examples: result.examples,
        ...(result.dump ? { dump: result.dump.file } : {}),
      },
      `loss ${result.loss.toFixed(6)} over ${result.supervisedTokens} supervised tokens in ${result.examples} examples` +
        `${result.dump ? `; batches written to ${result.dump.file}` : ''}`,
    );
    return ExitCode.ok;
  },
};
