/**
 * The one student model the engine keeps open, reopened when its folder gets a newer checkpoint or export. This
 * module (and with it ONNX Runtime) is loaded only when a student first explains, so an engine that only scans
 * documents or serves the curation view starts light.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { type InferenceModel, openInferenceModel } from '../student/infer';
import { resolveWeightsDir } from '../student/infer/modelDir';

/** Changes whenever the weights a folder resolves to change: another checkpoint, a re-export, new files. */
function folderStamp(modelPath: string): string {
  const weightsDir = resolveWeightsDir(modelPath);
  const parts = [weightsDir];
  for (const name of ['model.onnx', 'model.safetensors', 'config.json', 'miniastrolm-export.json']) {
    const file = path.join(weightsDir, name);
    if (existsSync(file)) {
      const s = statSync(file);
      parts.push(`${name}:${s.size}:${s.mtimeMs}`);
    }
  }
  return parts.join('|');
}

export class StudentModels {
  private current: { stamp: string; model: Promise<InferenceModel> } | null = null;

  /** The model for `modelPath`, opening it (and releasing the previous one) when the folder changed. */
  async get(modelPath: string): Promise<InferenceModel> {
    const stamp = folderStamp(path.resolve(modelPath));
    if (this.current?.stamp === stamp) return this.current.model;
    await this.release();
    const model = openInferenceModel(path.resolve(modelPath));
    this.current = { stamp, model };
    model.catch(() => {
      if (this.current?.model === model) this.current = null;
    });
    return model;
  }

  async release(): Promise<void> {
    const previous = this.current;
    this.current = null;
    if (previous) await (await previous.model.catch(() => null))?.release();
  }
}
