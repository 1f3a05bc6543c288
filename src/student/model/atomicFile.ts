/**
 * Files that are either fully written or not there at all: write a temporary file next to the target, fsync
 * it, rename it over the target, fsync the folder. A crash or a full disk mid-save (a 500 MB checkpoint takes
 * a while) leaves the previous file intact instead of a truncated one that fails later, far from the cause.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

let counter = 0;

/** A temporary name in the target's folder (rename is only atomic within one file system). */
export function tempPathFor(file: string): string {
  counter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${counter}.tmp`);
}

/** Writes every byte of `bytes` (writeSync may write fewer than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

export function fsyncFolder(dir: string): void {
  // Makes the rename itself durable. Windows cannot open folders for fsync; there the rename has to do.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Creates `file` atomically; `write` receives the temporary file's descriptor. */
export function writeFileAtomic(file: string, write: (fd: number) => void): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const fd = openSync(temp, 'w');
  try {
    try {
      write(fd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncFolder(path.dirname(file));
}

export function writeTextAtomic(file: string, text: string): void {
  writeFileAtomic(file, (fd) => writeAll(fd, Buffer.from(text, 'utf8')));
}
