/**
 * What the engine keeps warm between requests: database connections by path (the student model is kept by
 * studentModels.ts, loaded only when a student first explains). Released when the engine goes idle.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Db, openDatabase } from '../pipeline/store/database';

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

/** Runs tasks one at a time, in order: one ONNX Runtime session decodes one sequence at a time. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
