/**
 * What the engine keeps warm between requests: database connections by path, and the one student model in use
 * (reopened when its folder gets a newer checkpoint). Everything here is released when the engine goes idle.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Db, openDatabase } from '../pipeline/store/database';
import { type InferenceModel, openInferenceModel } from '../student/infer';
import { resolveWeightsDir } from '../student/infer/modelDir';

export class Databases {
  private readonly open = new Map<string, Db>();

  /** The database at `file`, opened (and created or migrated) on first use. */
  get(file: string): Db {
    const key = path.resolve(file);
    let db = this.open.get(key);
    if (!db) {
      db = openDatabase(key);
      this.open.set(key, db);
    }
    return db;
  }

  /** The database at `file` when it exists; lookups never create one. */
  ifExists(file: string): Db | undefined {
    const key = path.resolve(file);
    return this.open.get(key) ?? (existsSync(key) ? this.get(key) : undefined);
  }

  closeAll(): void {
    for (const db of this.open.values()) db.close();
    this.open.clear();
  }
}

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

/** Runs tasks one at a time, in order: one ONNX Runtime session decodes one sequence at a time. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
